package dev.zerocopy.hazards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerocopy.ErrnoException;
import dev.zerocopy.Fds;
import dev.zerocopy.NativeZeroCopy;
import dev.zerocopy.TransferMethod;
import dev.zerocopy.testkit.DaemonPool;
import dev.zerocopy.testkit.Methods;
import dev.zerocopy.testkit.Proc;
import dev.zerocopy.testkit.Sources;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
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

/**
 * HAZARDS 12 (docs/HAZARDS.md): errno read through jnr-ffi after the fact can be stale or another
 * thread's. The shim returns -errno and keeps the failing syscall and the bytes moved in
 * thread-local state, so nothing is shared to race on. Every forced failure, from many threads at
 * once, interleaved with successful transfers, reports its own errno (name, number and C library
 * text), syscall and byte count: 0 after a success (never the success's count), and exactly what
 * fit when a pipe's reader left mid-transfer.
 */
class ErrnoExactnessTest {
    private static final int THREADS = 16;
    private static final int ROUNDS = 150;

    @TempDir
    Path dir;

    @Test
    void everyFailureReportsItsOwnErrnoFromManyThreadsAtOnce() throws Exception {
        byte[] data = Sources.randomBytes(1 << 20, 12);
        Path src = Files.write(dir.resolve("src"), data);
        try (Failures f = new Failures(dir, src)) {
            // Single-threaded first, so a wrong expectation shows plainly.
            f.cases.forEach(Failures.Case::assertFails);
            List<TransferMethod> epipe = Methods.streamMethods().toList();
            // The EPIPE threads need a helper each that closes the pipe under them.
            ExecutorService pool = Executors.newFixedThreadPool(THREADS + 2 * epipe.size(), DaemonPool.DAEMON);
            CyclicBarrier start = new CyclicBarrier(THREADS + epipe.size());
            try {
                List<Future<Integer>> results = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    long seed = t;
                    results.add(pool.submit(() -> {
                        Random rnd = new Random(seed);
                        start.await();
                        int checked = 0;
                        for (int r = 0; r < ROUNDS; r++) {
                            for (Failures.Case c : f.cases) {
                                // A success first: its count must not leak into the failure's report.
                                TransferMethod m = TransferMethod.values()[rnd.nextInt(4)];
                                int off = rnd.nextInt(data.length);
                                int len = 1 + rnd.nextInt(64 * 1024);
                                assertEquals(Math.min(len, data.length - off), NativeZeroCopy.transfer(m, f.src, f.devNull, off, len),
                                        m + " to /dev/null");
                                c.assertFails();
                                checked++;
                            }
                        }
                        return checked;
                    }));
                }
                for (int i = 0; i < epipe.size(); i++) {
                    TransferMethod method = epipe.get(i);
                    int pagesTaken = i + 1; // a different count per thread
                    results.add(pool.submit(() -> {
                        start.await();
                        for (int round = 0; round < 3; round++) {
                            brokenPipeAfterKnownBytes(method, f.src, pagesTaken, pool);
                        }
                        return 0;
                    }));
                }
                int total = 0;
                for (Future<Integer> r : results) {
                    total += r.get(2, TimeUnit.MINUTES);
                }
                assertEquals(THREADS * ROUNDS * f.cases.size(), total);
            } finally {
                pool.shutdownNow();
                assertTrue(pool.awaitTermination(1, TimeUnit.MINUTES));
            }
        }
    }

    /**
     * EPIPE after a known number of bytes: a pipe of 16 pages (pipe(7) default) already holding
     * pagesTaken pages takes exactly 16 - pagesTaken more, then the writer blocks; closing the read
     * end then fails the next write with EPIPE, and bytesTransferred is what fit.
     */
    private static void brokenPipeAfterKnownBytes(TransferMethod method, int fdIn, int pagesTaken, ExecutorService pool)
            throws Exception {
        Pipe pipe = Pipe.open();
        try (Pipe.SinkChannel sink = pipe.sink(); Pipe.SourceChannel source = pipe.source()) {
            ByteBuffer prefill = ByteBuffer.allocate(pagesTaken * 4096);
            while (prefill.hasRemaining()) {
                sink.write(prefill);
            }
            int tid = Proc.gettid();
            Future<?> closer = pool.submit(() -> {
                Proc.awaitBlockedInTransfer(tid);
                source.close();
                return null;
            });
            long fits = (16 - pagesTaken) * 4096L;
            int fdOut = Fds.of(sink);
            ErrnoException e = assertThrows(ErrnoException.class, () -> NativeZeroCopy.transfer(method, fdIn, fdOut, 0, 1 << 20));
            Failures.assertReports(e, method + " to a pipe closed under it", "EPIPE", Methods.writeCall(method), fits);
            closer.get(1, TimeUnit.MINUTES);
        }
    }
}
