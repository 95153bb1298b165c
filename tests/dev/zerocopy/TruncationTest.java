package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerocopy.testkit.Hashing;
import dev.zerocopy.testkit.Sources;
import dev.zerocopy.testkit.Proc;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The source shrinks while a transfer is blocked on a full pipe (HAZARDS 2, 9): the call ends at
 * the new end of file with a short count, never spins, and mmap+write raises no SIGBUS. sendfile,
 * splice and read+write stop exactly at the new size (the kernel clamps page-cache reads to
 * i_size); mmap+write reads the mapping, whose last partial page the kernel zero-fills, so it may
 * deliver up to the end of that page in zeros: documented, and asserted here.
 */
class TruncationTest {
    static final int SIZE = 32 * 1024 * 1024;
    /** Past what is in flight when the writer blocks (the target pipe, the library's 1 MiB pipe). */
    static final long NEW_SIZE = 4 * 1024 * 1024 + 123;

    @TempDir
    Path dir;

    static java.util.stream.Stream<TransferMethod> methods() {
        return Methods.streamMethods();
    }

    @ParameterizedTest
    @MethodSource("methods")
    void sourceTruncatedMidTransfer(TransferMethod method) throws Exception {
        byte[] data = Sources.randomBytes(SIZE, 51);
        Path src = Files.write(dir.resolve("src"), data);
        ExecutorService worker = Executors.newSingleThreadExecutor();
        try (FileChannel in = FileChannel.open(src);
             Targets.Target target = Targets.open(Targets.Kind.PIPE, dir, new Targets.Options().deferReading())) {
            int fdIn = Fds.of(in);
            int fdOut = target.fd();
            Future<Integer> tid = worker.submit(Proc::gettid);
            Future<Long> moved = worker.submit(() -> NativeZeroCopy.transfer(method, fdIn, fdOut, 0, SIZE));
            Proc.awaitBlockedInTransfer(tid.get());
            try (FileChannel w = FileChannel.open(src, StandardOpenOption.WRITE)) {
                w.truncate(NEW_SIZE);
            }
            target.startReading();
            long n = moved.get(60, TimeUnit.SECONDS);
            Targets.Received received = target.finish();
            assertEquals(n, received.count(), "the count is what arrived");
            long page = 4096; // x86_64, the only platform the library builds for
            long pageEnd = (NEW_SIZE + page - 1) / page * page;
            if (method == TransferMethod.MMAP_WRITE) {
                assertTrue(n >= NEW_SIZE && n <= pageEnd, "mmapWrite moved " + n);
            } else {
                assertEquals(NEW_SIZE, n, method + " ends exactly at the new end of file");
            }
            byte[] expected = Arrays.copyOf(Arrays.copyOf(data, (int) NEW_SIZE), (int) n); // zeros past the new end
            assertEquals(Hashing.of(expected, 0, (int) n), received.sha256());
            // And a later call sees the new end of file at once.
            try (Targets.Target file = Targets.open(Targets.Kind.FILE, dir)) {
                assertEquals(0, NativeZeroCopy.transfer(method, fdIn, file.fd(), NEW_SIZE, 100));
                assertEquals(100, NativeZeroCopy.transfer(method, fdIn, file.fd(), NEW_SIZE - 100, 1000));
            }
        } finally {
            worker.shutdownNow();
            worker.awaitTermination(30, TimeUnit.SECONDS);
        }
    }
}
