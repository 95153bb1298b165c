package dev.zerocopy.hazards;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerocopy.testkit.DaemonPool;
import dev.zerocopy.testkit.Hashing;
import dev.zerocopy.testkit.Libc;
import dev.zerocopy.testkit.Received;
import dev.zerocopy.testkit.SourceFile;
import dev.zerocopy.testkit.Targets;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.zerocopy.ErrnoException;
import dev.zerocopy.Fds;
import dev.zerocopy.NativeZeroCopy;
import dev.zerocopy.TransferMethod;

/**
 * HAZARDS 13 (docs/HAZARDS.md), at the raw-fd level: the contract is that the caller keeps both descriptors open
 * for the duration of a call. These tests show what breaking it does, so the contract is not
 * theory: a raw fd closed during a blocked transfer and reused by another open() receives the
 * rest of the transfer (data to the wrong file), and Thread.interrupt() does not wake a native
 * call. The channel layer is the mitigation (it holds the channel open for the call).
 */
class CloseAndInterruptDuringTransferTest {
    private static final int SIZE = 20 << 20; // more than one 8 MiB mmap window
    @RegisterExtension
    static final DaemonPool POOL = new DaemonPool();
    @RegisterExtension
    static final SourceFile SOURCE = new SourceFile(SIZE, 13);

    @ParameterizedTest
    @EnumSource(value = TransferMethod.class, names = "COPY_FILE_RANGE", mode = EnumSource.Mode.EXCLUDE)
    void rawFdClosedAndReusedDuringTransferReceivesTheRest(TransferMethod method) throws Exception {
        int[] pipe = Libc.pipe();
        Path victim = SOURCE.dir().resolve("victim-" + method);
        int reused = -1;
        try (FileChannel in = FileChannel.open(SOURCE.file())) {
            int fdIn = Fds.of(in);
            int fdOut = pipe[1];
            Future<Long> call = POOL.submit(() -> NativeZeroCopy.transfer(method, fdIn, fdOut, 0, SIZE));
            Thread.sleep(100); // nobody reads: the transfer fills the pipe and blocks inside the kernel
            assertFalse(call.isDone());
            Libc.LIBC.close(pipe[1]); // the caller's race: closed while the call runs
            // open(2) returns the lowest free number, normally the one just closed.
            reused = Libc.LIBC.open(victim.toString(), Libc.O_WRONLY | Libc.O_CREAT | Libc.O_CLOEXEC, 0600);
            assertTrue(reused >= 0);
            byte[] viaPipe = drain(pipe[0]); // EOF once the blocked syscall finishes: no writer is left
            long moved;
            try {
                moved = call.get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                ErrnoException err = (ErrnoException) e.getCause();
                // Not reused (another thread took a lower number): the next syscall sees EBADF.
                assertTrue(reused != fdOut, "a reused fd must not fail: " + err.getMessage());
                assertEquals("EBADF", err.errnoName());
                assertEquals(viaPipe.length, err.bytesTransferred());
                return;
            }
            if (reused == fdOut) {
                // The hazard, for real: what did not fit in the pipe went into the file opened afterwards.
                byte[] wrong = Files.readAllBytes(victim);
                assertTrue(wrong.length > 0, "expected bytes in the wrong file");
                assertEquals(moved, viaPipe.length + wrong.length);
                assertArrayEquals(Arrays.copyOf(SOURCE.data(), viaPipe.length), viaPipe);
                assertArrayEquals(Arrays.copyOfRange(SOURCE.data(), viaPipe.length, (int) moved), wrong);
            } else {
                throw new AssertionError("the closed fd was not reused, yet the transfer succeeded: " + moved);
            }
        } finally {
            Libc.closeQuietly(pipe[0], reused);
        }
    }

    /** Thread.interrupt() leaves a blocked native transfer running; it completes and the interrupt stays set. */
    @ParameterizedTest
    @EnumSource(value = TransferMethod.class, names = "COPY_FILE_RANGE", mode = EnumSource.Mode.EXCLUDE)
    void interruptDoesNotWakeNativeCall(TransferMethod method) throws Exception {
        try (FileChannel in = FileChannel.open(SOURCE.file()); Targets.Target sink = Targets.open(Targets.Kind.PIPE, SOURCE.dir(), new Targets.Options().holdAfter(1 << 20).readSize(64 * 1024))) {
            int fdIn = Fds.of(in);
            int fdOut = sink.fd();
            AtomicReference<Thread> worker = new AtomicReference<>();
            Future<Boolean> call = POOL.submit(() -> {
                worker.set(Thread.currentThread());
                long n = NativeZeroCopy.transfer(method, fdIn, fdOut, 0, SIZE);
                assertEquals(SIZE, n);
                return Thread.interrupted();
            });
            assertTrue(sink.awaitHeld(20));
            Thread.sleep(30);
            worker.get().interrupt();
            Thread.sleep(200);
            assertFalse(call.isDone(), "the interrupt must not end the native call");
            sink.startReading();
            assertTrue(call.get(30, TimeUnit.SECONDS), "the interrupt status is left set");
            Received got = sink.finish();
            assertEquals(SIZE, got.count());
            assertEquals(Hashing.of(SOURCE.data()), got.sha256());
        }
    }

    private static byte[] drain(int fd) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        byte[] buf = new byte[64 * 1024];
        while (true) {
            long n = Libc.LIBC.read(fd, buf, buf.length);
            if (n <= 0) {
                assertEquals(0, n, "read from the pipe failed");
                return out.toByteArray();
            }
            out.write(buf, 0, (int) n);
        }
    }
}
