package dev.zerocopy;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CountDownLatch;

/**
 * Child JVM of {@link PipeBudgetTest}, run as an unprivileged user: the capacity of a fresh pipe
 * before and after {@code threads} threads have each spliced once and stay alive, idle, as a pool's
 * threads do. Prints before=, after=, spliced=. Args: source file, thread count.
 */
public final class PipeBudgetProbe {
    private PipeBudgetProbe() {
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        int threads = Integer.parseInt(args[1]);
        System.out.println("before=" + freshPipeCapacity());
        CountDownLatch spliced = new CountDownLatch(threads);
        CountDownLatch end = new CountDownLatch(1);
        long[] moved = new long[1];
        try (FileChannel in = FileChannel.open(file);
             FileChannel out = FileChannel.open(Path.of("/dev/null"), StandardOpenOption.WRITE)) {
            int fdIn = Fds.of(in);
            int fdOut = Fds.of(out);
            for (int i = 0; i < threads; i++) {
                Thread t = new Thread(() -> {
                    try {
                        long n = NativeZeroCopy.splice(fdIn, fdOut, 0, 1 << 20);
                        synchronized (moved) {
                            moved[0] += n;
                        }
                    } catch (Exception e) {
                        e.printStackTrace();
                    }
                    spliced.countDown();
                    try {
                        end.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                t.setDaemon(true);
                t.start();
            }
            spliced.await();
            System.out.println("spliced=" + moved[0]);
            System.out.println("after=" + freshPipeCapacity());
            end.countDown();
        }
    }

    /** Bytes a new pipe takes before a non-blocking write would block: its capacity (page-sized writes). */
    static long freshPipeCapacity() throws Exception {
        Pipe p = Pipe.open();
        try (Pipe.SinkChannel sink = p.sink(); Pipe.SourceChannel source = p.source()) {
            sink.configureBlocking(false);
            ByteBuffer page = ByteBuffer.allocateDirect(4096);
            long total = 0;
            while (true) {
                page.clear();
                int n = sink.write(page);
                if (n == 0) {
                    return total;
                }
                total += n;
            }
        }
    }
}
