package dev.zerocopy.hazards;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerocopy.Fds;
import dev.zerocopy.Measurement;
import dev.zerocopy.NativeZeroCopy;
import dev.zerocopy.TransferMethod;
import dev.zerocopy.testkit.DaemonPool;
import dev.zerocopy.testkit.Hashing;
import dev.zerocopy.testkit.Proc;
import dev.zerocopy.testkit.Received;
import dev.zerocopy.testkit.Sources;
import dev.zerocopy.testkit.Targets;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * HAZARDS 2 (docs/HAZARDS.md): 0 from the kernel means end of file. Asking for more than the file
 * holds, or a source truncated during the transfer, must end the call with a short count (no spin,
 * no hang, no crash; for mmap+write no SIGBUS either, HAZARDS 9), and the bytes delivered must be
 * the source's.
 */
class EndOfFileAndTruncationTest {
    @RegisterExtension
    static final DaemonPool POOL = new DaemonPool();

    @TempDir
    Path dir;

    /** Every method: length far past end of file stops at end of file in a few syscalls (Netty's 100% CPU bug). */
    @ParameterizedTest
    @EnumSource(TransferMethod.class)
    void lengthPastEndOfFileStopsAtEndOfFileWithoutSpinning(TransferMethod method) throws Exception {
        byte[] data = Sources.randomBytes(100_003, 2);
        Path src = Files.write(dir.resolve("src"), data);
        Path dst = dir.resolve("dst");
        try (FileChannel in = FileChannel.open(src);
             FileChannel out = FileChannel.open(dst, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            int fdIn = Fds.of(in);
            int fdOut = Fds.of(out);
            // Preemptive: a loop that spins on 0 never returns, and must fail the test, not hang it.
            long[] r = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
                long before = Measurement.threadUsage().syscalls();
                long n = NativeZeroCopy.transfer(method, fdIn, fdOut, 7, Long.MAX_VALUE / 2);
                return new long[] {n, Measurement.threadUsage().syscalls() - before};
            });
            long moved = r[0];
            long syscalls = r[1];
            assertEquals(data.length - 7, moved);
            // One call to move the bytes, one that answers 0, plus per-method setup
            // (pipe2/F_SETPIPE_SZ, fstat+mmap+munmap): a spinning loop would be millions.
            assertTrue(syscalls <= 8, "syscalls for one short file: " + syscalls);
            long past = NativeZeroCopy.transfer(method, Fds.of(in), Fds.of(out), data.length + 1L, 4096);
            assertEquals(0, past, "offset past end of file");
        }
        assertArrayEquals(Arrays.copyOfRange(data, 7, data.length), Files.readAllBytes(dst));
    }

    /**
     * The four methods that can write to a pipe: the transfer blocks in a full pipe after the
     * reader took 4 MiB, the source is truncated to 1 MiB (behind the position reached), then the
     * reader drains. The call returns a short count equal to what the reader got, all of it the
     * source's.
     */
    @ParameterizedTest
    @EnumSource(value = TransferMethod.class, names = "COPY_FILE_RANGE", mode = EnumSource.Mode.EXCLUDE)
    void truncatedBehindTheTransferEndsWithShortCount(TransferMethod method) throws Exception {
        int size = 32 << 20;
        byte[] data = Sources.randomBytes(size, 3);
        Path src = Files.write(dir.resolve("src"), data);
        long holdAt = 4 << 20;
        try (FileChannel in = FileChannel.open(src);
             Targets.Target sink = Targets.open(Targets.Kind.PIPE, dir, new Targets.Options().holdAfter(holdAt).readSize(64 * 1024))) {
            int fdIn = Fds.of(in);
            int fdOut = sink.fd();
            Future<Long> moved = POOL.submit(() -> NativeZeroCopy.transfer(method, fdIn, fdOut, 0, size));
            assertTrue(sink.awaitHeld(20), "reader never got " + holdAt + " bytes");
            Thread.sleep(50); // let the writer fill the pipe and block
            try (RandomAccessFile raf = new RandomAccessFile(src.toFile(), "rw")) {
                raf.setLength(1 << 20); // below the position the transfer has reached
            }
            sink.startReading();
            long n = moved.get(20, TimeUnit.SECONDS);
            Received got = sink.finish();
            assertTrue(n >= holdAt && n < size, method + " moved " + n);
            assertEquals(n, got.count(), "bytes counted == bytes the reader got");
            assertEquals(Hashing.of(data, 0, (int) n), got.sha256(), "bytes delivered are the source's");
        }
    }

    /**
     * The source shrinks to 4 MiB + 123 (ahead of what is in flight: the target pipe and the
     * library's 1 MiB pipe) while the transfer is blocked, before the reader took anything.
     * sendfile, splice and read+write stop exactly at the new size (the kernel clamps page-cache
     * reads to i_size); mmap+write reads the mapping, whose last partial page the kernel zero-fills,
     * so it may deliver up to the end of that page in zeros. A later call sees the new end at once.
     */
    @ParameterizedTest
    @EnumSource(value = TransferMethod.class, names = "COPY_FILE_RANGE", mode = EnumSource.Mode.EXCLUDE)
    void truncatedAheadOfTheTransferEndsAtTheNewEnd(TransferMethod method) throws Exception {
        int size = 32 << 20;
        long newSize = (4 << 20) + 123;
        byte[] data = Sources.randomBytes(size, 51);
        Path src = Files.write(dir.resolve("src"), data);
        ExecutorService worker = Executors.newSingleThreadExecutor(DaemonPool.DAEMON); // one thread: its tid is the transfer's
        try (FileChannel in = FileChannel.open(src);
             Targets.Target sink = Targets.open(Targets.Kind.PIPE, dir, new Targets.Options().deferReading())) {
            int fdIn = Fds.of(in);
            int fdOut = sink.fd();
            Future<Integer> tid = worker.submit(Proc::gettid);
            Future<Long> moved = worker.submit(() -> NativeZeroCopy.transfer(method, fdIn, fdOut, 0, size));
            Proc.awaitBlockedInTransfer(tid.get());
            try (FileChannel w = FileChannel.open(src, StandardOpenOption.WRITE)) {
                w.truncate(newSize);
            }
            sink.startReading();
            long n = moved.get(60, TimeUnit.SECONDS);
            Received got = sink.finish();
            assertEquals(n, got.count(), "the count is what arrived");
            long page = 4096; // x86_64, the only platform the library builds for
            long pageEnd = (newSize + page - 1) / page * page;
            if (method == TransferMethod.MMAP_WRITE) {
                assertTrue(n >= newSize && n <= pageEnd, "mmapWrite moved " + n);
            } else {
                assertEquals(newSize, n, method + " ends exactly at the new end of file");
            }
            byte[] expected = Arrays.copyOf(Arrays.copyOf(data, (int) newSize), (int) n); // zeros past the new end
            assertEquals(Hashing.of(expected), got.sha256());
            try (Targets.Target file = Targets.open(Targets.Kind.FILE, dir)) {
                assertEquals(0, NativeZeroCopy.transfer(method, fdIn, file.fd(), newSize, 100));
                assertEquals(100, NativeZeroCopy.transfer(method, fdIn, file.fd(), newSize - 100, 1000));
            }
        } finally {
            worker.shutdownNow();
        }
    }

    /**
     * copy_file_range and every other method to a file target, with a concurrent truncation at a
     * random moment: each round ends (no hang), the count never exceeds the request, the target
     * holds exactly the counted bytes, and they are the source's. Some rounds must land mid-transfer.
     */
    @ParameterizedTest
    @EnumSource(TransferMethod.class)
    void concurrentTruncationToFileTarget(TransferMethod method) throws Exception {
        int size = 16 << 20;
        byte[] data = Sources.randomBytes(size, 4);
        int shortRounds = 0;
        for (int round = 0; round < 12; round++) {
            Path src = Files.write(dir.resolve("src" + round), data);
            Path dst = dir.resolve("dst" + round);
            long n;
            try (FileChannel in = FileChannel.open(src);
                 FileChannel out = FileChannel.open(dst, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                int fdIn = Fds.of(in);
                int fdOut = Fds.of(out);
                long delayMicros = ThreadLocalRandom.current().nextLong(round * 500L + 1);
                Future<?> truncator = POOL.submit(() -> {
                    TimeUnit.MICROSECONDS.sleep(delayMicros);
                    try (RandomAccessFile raf = new RandomAccessFile(src.toFile(), "rw")) {
                        raf.setLength(1 << 20);
                    }
                    return null;
                });
                n = POOL.submit(() -> NativeZeroCopy.transfer(method, fdIn, fdOut, 0, size)).get(30, TimeUnit.SECONDS);
                truncator.get(30, TimeUnit.SECONDS);
            }
            byte[] got = Files.readAllBytes(dst);
            assertTrue(n >= 0 && n <= size);
            assertEquals(n, got.length, "target holds exactly the counted bytes");
            assertArrayEquals(Arrays.copyOf(data, got.length), got);
            if (n < size) {
                shortRounds++;
            }
            Files.delete(src);
            Files.delete(dst);
        }
        assertTrue(shortRounds > 0, "no round was truncated mid-transfer");
    }
}
