package dev.zerocopy.hazards;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.zerocopy.testkit.DaemonPool;
import dev.zerocopy.testkit.Sources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.zerocopy.NativeZeroCopy;
import dev.zerocopy.TransferMethod;

/**
 * HAZARDS 12: errno read through jnr-ffi after the fact can be stale or another thread's. The
 * shim returns -errno and keeps the failing syscall and the bytes moved in thread-local state.
 * Every forced failure, from 16 threads at once, interleaved with successful transfers, must
 * report its own exact errno, syscall and a byte count of 0 (never the count of the success
 * just before it, nor another thread's).
 */
class H12ErrnoExactnessTest {
    @TempDir
    Path dir;

    @Test
    void exactErrnoFromSixteenThreadsAtOnce() throws Exception {
        byte[] data = Sources.randomBytes(1 << 20, 12);
        Path src = Files.write(dir.resolve("src"), data);
        int threads = 16;
        int rounds = 150;
        try (Failures f = new Failures(dir, src)) {
            // Single-threaded first, so a wrong expectation shows plainly.
            f.cases.forEach(Failures.Case::assertFails);
            ExecutorService pool = Executors.newFixedThreadPool(threads, DaemonPool.DAEMON);
            CyclicBarrier start = new CyclicBarrier(threads);
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                long seed = t;
                results.add(pool.submit(() -> {
                    Random rnd = new Random(seed);
                    start.await();
                    int checked = 0;
                    for (int r = 0; r < rounds; r++) {
                        for (Failures.Case c : f.cases) {
                            // A success first: its count must not leak into the failure's report.
                            TransferMethod m = TransferMethod.values()[rnd.nextInt(4)];
                            int off = rnd.nextInt(data.length);
                            int len = 1 + rnd.nextInt(64 * 1024);
                            long n = NativeZeroCopy.transfer(m, f.src, f.devNull, off, len);
                            assertEquals(Math.min(len, data.length - off), n, m + " to /dev/null");
                            c.assertFails();
                            checked++;
                        }
                    }
                    return checked;
                }));
            }
            int total = 0;
            for (Future<Integer> r : results) {
                total += r.get(120, TimeUnit.SECONDS);
            }
            pool.shutdown();
            assertEquals(threads * rounds * f.cases.size(), total);
        }
    }
}
