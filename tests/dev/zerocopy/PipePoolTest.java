package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.zerocopy.testkit.Sources;

/**
 * Splice pipes come from a small process-wide pool (native/zc_pipe_pool.c), not one per thread:
 * however many threads have spliced, the library keeps at most {@link #IDLE_PIPES} pipes between
 * transfers, and closes them on request (O_CLOEXEC on them: C test_threads). On today's per-thread design 64
 * live threads that spliced once hold 64 pipes of 1 MiB (16384 pages: a whole user's soft limit).
 */
class PipePoolTest {
    /** ZC_IDLE_PIPES of native/zc_pipe_pool.c. */
    static final int IDLE_PIPES = 4;

    @TempDir
    Path dir;

    @Test
    void liveThreadsThatSplicedHoldNoPipe() throws Exception {
        Path src = Sources.random(dir, "src", 200_000, 33);
        NativeLibrary.shim().zc_pipe_release_idle();
        Set<String> before = pipes();
        try (FileChannel in = FileChannel.open(src); FileChannel devNull = FileChannel.open(Path.of("/dev/null"),
                java.nio.file.StandardOpenOption.WRITE)) {
            int fdIn = Fds.of(in);
            int fdOut = Fds.of(devNull);
            int threads = 64;
            CountDownLatch spliced = new CountDownLatch(threads);
            CountDownLatch end = new CountDownLatch(1);
            List<Throwable> failures = new CopyOnWriteArrayList<>();
            List<Thread> started = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Thread th = new Thread(() -> {
                    try {
                        assertEquals(200_000, NativeZeroCopy.splice(fdIn, fdOut, 0, 200_000));
                        assertEquals(200_000, NativeZeroCopy.splice(fdIn, fdOut, 0, 200_000));
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                    spliced.countDown();
                    try {
                        end.await(); // alive and idle, as a pool thread would be
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                th.start();
                started.add(th);
            }
            assertTrue(spliced.await(60, TimeUnit.SECONDS));
            assertEquals(List.of(), failures);
            Set<String> held = pipes();
            held.removeAll(before);
            assertTrue(held.size() <= IDLE_PIPES,
                    "pipes held by the library while " + threads + " threads that spliced idle: " + held);
            long perPipe = NativeLibrary.DEFAULT_PIPE_SIZE / 4096; // at most: pipe-max-size may refuse growth
            long pages = NativeLibrary.shim().zc_pipe_held_pages();
            assertTrue(pages > 0 && pages <= IDLE_PIPES * perPipe, "pages held: " + pages + ", at most " + IDLE_PIPES * perPipe);
            end.countDown();
            for (Thread th : started) {
                th.join();
            }
            NativeLibrary.shim().zc_pipe_release_idle();
            Set<String> left = pipes();
            left.retainAll(held);
            assertEquals(Set.of(), left, "idle pipes were not closed");
            assertEquals(0, NativeLibrary.shim().zc_pipe_held_pages());
        }
    }

    /** "fd=pipe:[inode]" of every pipe end open in this process. */
    static Set<String> pipes() throws Exception {
        Set<String> pipes = new HashSet<>();
        try (java.util.stream.Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String link = Files.readSymbolicLink(fd).toString();
                    if (link.startsWith("pipe:")) {
                        pipes.add(fd.getFileName() + "=" + link);
                    }
                } catch (java.io.IOException e) {
                    // closed meanwhile, or the listing's own fd
                }
            }
        }
        return pipes;
    }
}
