package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.zerocopy.testkit.Loopback;
import dev.zerocopy.testkit.Sources;

/**
 * The README's quick-start loop, verbatim in {@link #send}, moves the whole file to every fd it may
 * meet, including the fd of a blocking-mode SocketChannel that a virtual thread uses (the JDK makes
 * that fd O_NONBLOCK while isBlocking() stays true). The loop of the code before
 * ({@code if (n == 0) break;}) stopped there after a few MiB with no error. Also: transferNonBlocking
 * answers 0 for a full non-blocking target and -1 at end of file, where the plain methods say 0 for both.
 */
class QuickStartLoopTest {
    static final int SIZE = 32 << 20;

    @TempDir
    Path dir;

    /** The README's quick-start loop. */
    static long send(FileChannel file, java.nio.channels.SocketChannel socket) throws Exception {
        int in = Fds.of(file), out = Fds.of(socket);
        long size = file.size(), sent = 0;
        while (sent < size) {
            long n = NativeZeroCopy.transferNonBlocking(TransferMethod.SENDFILE, in, out, sent, size - sent);
            if (n == NativeZeroCopy.END_OF_FILE) break;                      // the file shrank
            if (n == 0) n = file.transferTo(sent, size - sent, socket);     // fd would block: NIO waits (parks a virtual thread)
            sent += n;
        }
        return sent;
    }

    @Test
    @Timeout(120)
    void platformThread() throws Exception {
        run(false);
    }

    @Test
    @Timeout(120)
    void virtualThread() throws Exception {
        assumeTrue(Runtime.version().feature() >= 21, "virtual threads need JDK 21+");
        run(true);
    }

    private void run(boolean virtual) throws Exception {
        byte[] data = Sources.randomBytes(SIZE, 21);
        Path src = Sources.random(dir, "src", 0, 0);
        java.nio.file.Files.write(src, data);
        try (Loopback link = Loopback.open(64 * 1024, 64 * 1024); FileChannel file = FileChannel.open(src)) {
            CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> readSlowly(link.server, SIZE));
            CompletableFuture<Long> sent = new CompletableFuture<>();
            Runnable sender = () -> {
                try {
                    sent.complete(send(file, link.client));
                } catch (Throwable e) {
                    sent.completeExceptionally(e);
                }
            };
            if (virtual) {
                // Thread.ofVirtual().start(sender), by reflection: the module compiles for JDK 17.
                Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
                Class.forName("java.lang.Thread$Builder").getMethod("start", Runnable.class).invoke(builder, sender);
            } else {
                new Thread(sender).start();
            }
            assertEquals(SIZE, sent.get(100, TimeUnit.SECONDS));
            assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(data), received.get(100, TimeUnit.SECONDS));
        }
    }

    private static byte[] readSlowly(java.nio.channels.SocketChannel ch, long size) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            ByteBuffer buf = ByteBuffer.allocate(256 * 1024);
            long got = 0;
            int reads = 0;
            while (got < size) {
                int n = ch.read(buf);
                if (n < 0) {
                    break;
                }
                got += n;
                buf.flip();
                sha.update(buf);
                buf.clear();
                if (++reads % 8 == 0) {
                    Thread.sleep(1); // keep the sender's socket buffer full now and then
                }
            }
            return sha.digest();
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    @Test
    void transferNonBlockingTellsAFullTargetFromEndOfFile() throws Exception {
        Path src = Sources.random(dir, "small", 256 * 1024, 22);
        Pipe pipe = Pipe.open();
        try (FileChannel file = FileChannel.open(src); Pipe.SinkChannel sink = pipe.sink(); Pipe.SourceChannel source = pipe.source()) {
            sink.configureBlocking(false);
            int in = Fds.of(file), out = Fds.of(sink);
            for (TransferMethod m : new TransferMethod[] {TransferMethod.SENDFILE, TransferMethod.SPLICE,
                    TransferMethod.READ_WRITE, TransferMethod.MMAP_WRITE}) {
                long first = NativeZeroCopy.transferNonBlocking(m, in, out, 0, 256 * 1024);
                assertTrue(first > 0 && first < 256 * 1024, m + ": the pipe takes part of it: " + first);
                assertEquals(0, NativeZeroCopy.transferNonBlocking(m, in, out, first, 256 * 1024 - first), m + ": full pipe");
                assertEquals(0, NativeZeroCopy.transfer(m, in, out, first, 256 * 1024 - first), m + ": plain method, full pipe");
                ByteBuffer drain = ByteBuffer.allocate(1 << 20);
                while (source.read(drain) > 0 && drain.position() < first) {
                    // the pipe's reader is blocking: read exactly what was written
                }
                assertEquals(NativeZeroCopy.END_OF_FILE, NativeZeroCopy.transferNonBlocking(m, in, out, 256 * 1024, 100), m + ": end of file");
                assertEquals(0, NativeZeroCopy.transfer(m, in, out, 256 * 1024, 100), m + ": plain method, end of file");
            }
        }
    }
}
