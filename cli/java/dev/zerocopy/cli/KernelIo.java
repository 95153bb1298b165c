package dev.zerocopy.cli;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;

/**
 * The kernel's own count of read- and write-family syscalls of one thread (syscr + syscw in
 * /proc/thread-self/io, CONFIG_TASK_IO_ACCOUNTING): the one syscall figure that covers the NIO
 * paths too. The kernel counts read, pread, readv, write, pwrite and writev once, sendfile and
 * copy_file_range once in each counter (so twice), and splice, mmap, munmap and fstat not at all.
 * Opened by, and valid only for, the thread that opens it; each reading costs exactly one pread,
 * which {@link #delta} takes off.
 */
final class KernelIo implements Closeable {
    private final FileChannel channel;
    private final ByteBuffer buf = ByteBuffer.allocate(512);

    private KernelIo(FileChannel channel) {
        this.channel = channel;
    }

    /** The calling thread's counters, or null where the kernel does not keep them. */
    static KernelIo openForThisThread() {
        try {
            return new KernelIo(FileChannel.open(Paths.get("/proc/thread-self/io")));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** syscr + syscw now, or -1 if they cannot be read. */
    long calls() {
        try {
            buf.clear();
            int n = channel.read(buf, 0); // one pread: the whole file is a few hundred bytes
            if (n <= 0) {
                return -1;
            }
            String text = new String(buf.array(), 0, n, StandardCharsets.US_ASCII);
            return field(text, "syscr:") + field(text, "syscw:");
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Calls made between two readings, less the one pread of the later reading. */
    static long delta(long before, long after) {
        return before < 0 || after < 0 ? -1 : after - before - 1;
    }

    private static long field(String text, String name) {
        int i = text.indexOf(name);
        if (i < 0) {
            throw new IllegalStateException(name + " missing");
        }
        int start = i + name.length();
        int end = text.indexOf('\n', start);
        return Long.parseLong(text.substring(start, end < 0 ? text.length() : end).trim());
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
