package dev.zerocopy.hazards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerocopy.testkit.DaemonPool;
import dev.zerocopy.testkit.Hashing;
import dev.zerocopy.testkit.Received;
import dev.zerocopy.testkit.Sources;
import dev.zerocopy.testkit.Targets;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.zerocopy.ErrnoException;
import dev.zerocopy.Fds;
import dev.zerocopy.NativeZeroCopy;

/**
 * HAZARDS 9 (docs/HAZARDS.md): touching a mapped page past a shrunken end of file raises SIGBUS, which kills the
 * JVM when it happens in native code. The shim hands mapped memory only to write(2), which
 * answers a short count or EFAULT instead, and ends the transfer at the new end of file. If
 * these tests fail, the test JVM dies (the surefire fork crash is the failure).
 */
class MmapTruncationTest {
    @RegisterExtension
    static final DaemonPool POOL = new DaemonPool();

    @TempDir
    Path dir;

    /**
     * mmapWrite blocks in write(2) from a live 8 MiB mapping (the pipe is full); the file is
     * truncated under the mapping (to 0, and to a size inside a page); then the reader drains.
     */
    @ParameterizedTest
    @ValueSource(longs = {0, (1 << 20) + 100})
    void truncatedUnderLiveMapping(long newSize) throws Exception {
        int size = 24 << 20;
        byte[] data = Sources.randomBytes(size, 9);
        Path src = Files.write(dir.resolve("src"), data);
        long holdAt = 2 << 20;
        try (FileChannel in = FileChannel.open(src); Targets.Target sink = Targets.open(Targets.Kind.PIPE, dir, new Targets.Options().holdAfter(holdAt).readSize(64 * 1024))) {
            int fdIn = Fds.of(in);
            int fdOut = sink.fd();
            Future<Long> call = POOL.submit(() -> NativeZeroCopy.mmapWrite(fdIn, fdOut, 0, size));
            assertTrue(sink.awaitHeld(20));
            Thread.sleep(50);
            try (RandomAccessFile raf = new RandomAccessFile(src.toFile(), "rw")) {
                raf.setLength(newSize);
            }
            sink.startReading();
            long n = call.get(20, TimeUnit.SECONDS);
            Received got = sink.finish();
            assertTrue(n >= holdAt && n < size, "moved " + n);
            assertEquals(n, got.count());
            assertEquals(Hashing.of(data, 0, (int) n), got.sha256());
        }
    }

    /**
     * A thread truncates and regrows the source at random moments while another runs mmapWrite
     * to a file in a loop: every call returns a count within the request or fails with EFAULT
     * (the file regrew after write(2) faulted: the bytes it could not read exist again), and the
     * JVM lives.
     */
    @Test
    void concurrentTruncateAndRegrow() throws Exception {
        int size = 8 << 20;
        byte[] data = Sources.randomBytes(size, 10);
        Path src = Files.write(dir.resolve("src"), data);
        Path dst = dir.resolve("dst");
        AtomicBoolean stop = new AtomicBoolean();
        Future<Integer> truncator = POOL.submit(() -> {
            int changes = 0;
            try (RandomAccessFile raf = new RandomAccessFile(src.toFile(), "rw")) {
                while (!stop.get()) {
                    raf.setLength(ThreadLocalRandom.current().nextInt(size));
                    raf.setLength(size); // regrown: the tail reads as zeros now
                    changes++;
                    TimeUnit.MICROSECONDS.sleep(ThreadLocalRandom.current().nextInt(300));
                }
            }
            return changes;
        });
        int calls = 0;
        int shortCalls = 0;
        int faults = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        try (FileChannel in = FileChannel.open(src)) {
            while (System.nanoTime() < deadline) {
                try (FileChannel out = FileChannel.open(dst, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING)) {
                    long n = NativeZeroCopy.mmapWrite(Fds.of(in), Fds.of(out), 0, size);
                    assertTrue(n >= 0 && n <= size);
                    assertEquals(n, out.size());
                    if (n < size) {
                        shortCalls++;
                    }
                } catch (ErrnoException e) {
                    assertTrue(Set.of("EFAULT").contains(e.errnoName()), e.getMessage());
                    assertEquals("write", e.syscall());
                    faults++;
                }
                calls++;
            }
        } finally {
            stop.set(true);
        }
        assertTrue(truncator.get(10, TimeUnit.SECONDS) > 0);
        assertTrue(shortCalls + faults > 0, "no truncation ever landed during a transfer in " + calls + " calls");
        System.out.printf("MmapTruncationTest concurrent: %d calls, %d short, %d EFAULT%n", calls, shortCalls, faults);
    }
}
