package dev.zerocopy.cli;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

import dev.zerocopy.Fds;

/**
 * The data every contender sends: one file of pseudo-random bytes, written and synced once so
 * it sits clean in the page cache (no writeback during the run), read-only afterwards.
 */
final class Source implements Closeable {
    private static final int CHUNK = 1 << 20;

    private final Path path;
    private final FileChannel channel;
    private final int fd;
    private final long size;

    private Source(Path path, FileChannel channel, long size) throws IOException {
        this.path = path;
        this.channel = channel;
        this.fd = Fds.of(channel);
        this.size = size;
    }

    /** Writes {@code size} bytes to {@code path}, syncs them, and reads the file back once (page cache). */
    static Source create(Path path, long size, long seed) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
        try (FileChannel out = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (long done = 0; done < size; ) {
                buf.clear();
                while (buf.remaining() >= Long.BYTES) {
                    buf.putLong(random.nextLong());
                }
                buf.flip();
                buf.limit((int) Math.min(buf.limit(), size - done));
                while (buf.hasRemaining()) {
                    done += out.write(buf);
                }
            }
            out.force(false); // written back now, not in the middle of a measurement
        }
        FileChannel in = FileChannel.open(path, StandardOpenOption.READ);
        try {
            Source s = new Source(path, in, size);
            s.crc32c(0, size); // touch every page: the run measures page-cached data
            return s;
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    Path path() {
        return path;
    }

    FileChannel channel() {
        return channel;
    }

    int fd() {
        return fd;
    }

    long size() {
        return size;
    }

    /** CRC32C of bytes [offset, offset + length) of the file. */
    long crc32c(long offset, long length) throws IOException {
        return crc32c(channel, offset, length);
    }

    /** CRC32C of bytes [offset, offset + length) of any file channel (read with pread). */
    static long crc32c(FileChannel ch, long offset, long length) throws IOException {
        CRC32C crc = new CRC32C();
        ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
        long pos = offset;
        long end = offset + length;
        while (pos < end) {
            buf.clear();
            buf.limit((int) Math.min(CHUNK, end - pos));
            int n = ch.read(buf, pos);
            if (n < 0) {
                break;
            }
            pos += n;
            buf.flip();
            crc.update(buf);
        }
        return crc.getValue();
    }

    @Override
    public void close() throws IOException {
        try {
            channel.close();
        } finally {
            Files.deleteIfExists(path);
        }
    }
}
