package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.zerocopy.testkit.Hashing;
import dev.zerocopy.testkit.Sources;
import java.nio.channels.FileChannel;
import java.nio.channels.SelectableChannel;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A non-blocking fdOut that fills up (tiny socket buffers, a reader that does not read yet):
 * every method returns what reached the target before it would block, possibly 0, without
 * blocking (HAZARDS 3); resuming from offset + returned delivers the exact source once the reader
 * drains. For splice, bytes stranded in the library's pipe by EAGAIN are neither counted nor
 * delivered later: the pipe is discarded.
 */
class NonBlockingTest {
    static final int SIZE = 8 * 1024 * 1024 + 5;

    @TempDir
    Path dir;

    /** All transfers of a test run on this one thread, so splice reuses (or replaces) the same per-thread pipe. */
    ExecutorService worker;

    @BeforeEach
    void worker() {
        worker = Executors.newSingleThreadExecutor();
    }

    @AfterEach
    void stop() throws Exception {
        worker.shutdownNow();
        assertTrue(worker.awaitTermination(30, TimeUnit.SECONDS));
    }

    /** Runs call on the worker; a call that does not return within 20 s is blocked, which a non-blocking target must never do. */
    long onWorker(Callable<Long> call, Targets.Target unblock) throws Exception {
        try {
            return worker.submit(call).get(20, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            unblock.startReading(); // lets the blocked call finish, so the test ends
            fail("the transfer blocked on a non-blocking target");
            return -1;
        }
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("dev.zerocopy.Methods#streamPairs")
    void returnsBytesMovedBeforeBlockingThenResumes(TransferMethod method, Targets.Kind kind) throws Exception {
        byte[] data = Sources.randomBytes(SIZE, 5);
        Path src = java.nio.file.Files.write(dir.resolve("src"), data);
        Targets.Options options = new Targets.Options().deferReading().sendBuffer(4096).receiveBuffer(4096);
        try (FileChannel in = FileChannel.open(src); Targets.Target target = Targets.open(kind, dir, options)) {
            ((SelectableChannel) target.writer()).configureBlocking(false);
            int fdIn = Fds.of(in);
            int fdOut = target.fd();

            long first = onWorker(() -> NativeZeroCopy.transfer(method, fdIn, fdOut, 0, SIZE), target);
            assertTrue(first > 0 && first < SIZE, "an empty target takes some bytes, a full one not all: " + first);
            // Full now: the next call returns at once with what still fit, usually 0.
            long second = onWorker(() -> NativeZeroCopy.transfer(method, fdIn, fdOut, first, SIZE - first), target);
            assertTrue(second >= 0 && first + second < SIZE, "second call: " + second);
            assertEquals(0, target.receivedSoFar(), "the reader has not started");

            if (method == TransferMethod.SPLICE) {
                // The same thread's next splice, to another target, carries exactly its own bytes:
                // nothing stranded in the pipe by EAGAIN leaks into it.
                try (Targets.Target other = Targets.open(Targets.Kind.FILE, dir)) {
                    assertEquals(5000, onWorker(() -> NativeZeroCopy.splice(fdIn, other.fd(), 100, 5000), target));
                    Targets.Received got = other.finish();
                    assertEquals(5000, got.count());
                    assertEquals(Hashing.of(data, 100, 5000), got.sha256());
                }
            }

            target.startReading();
            long position = first + second;
            int zeroes = 0;
            while (position < SIZE) {
                long from = position;
                long n = onWorker(() -> NativeZeroCopy.transfer(method, fdIn, fdOut, from, SIZE - from), target);
                assertTrue(n >= 0);
                position += n;
                if (n == 0) {
                    assertTrue(++zeroes < 100_000, "no progress while the reader drains");
                    Thread.sleep(0, 100_000);
                }
            }
            assertEquals(SIZE, position);
            Targets.Received received = target.finish();
            assertEquals(SIZE, received.count(), "bytes received: a byte counted but stranded, or delivered twice, shows here");
            assertEquals(Hashing.of(data, 0, SIZE), received.sha256());
        }
    }
}
