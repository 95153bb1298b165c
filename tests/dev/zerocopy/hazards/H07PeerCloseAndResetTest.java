package dev.zerocopy.hazards;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerocopy.testkit.Loopback;
import dev.zerocopy.testkit.DaemonPool;
import dev.zerocopy.testkit.SourceFile;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.zerocopy.ErrnoException;
import dev.zerocopy.Fds;
import dev.zerocopy.NativeZeroCopy;
import dev.zerocopy.TransferMethod;

/**
 * HAZARDS 7: a peer that closes or resets mid-transfer. HotSpot ignores SIGPIPE, so the
 * syscall fails with EPIPE (or ECONNRESET after an RST) instead of killing the process; the
 * library installs no handler and reports the errno with the bytes moved so far. The JVM lives
 * and the same thread transfers again afterwards.
 */
class H07PeerCloseAndResetTest {
    private static final int SIZE = 64 << 20;
    private static final int READ_BEFORE_CLOSE = 1 << 20;
    @RegisterExtension
    static final DaemonPool POOL = new DaemonPool();
    @RegisterExtension
    static final SourceFile SOURCE = new SourceFile(SIZE, 7);

    /** Pipe whose reader closes after 1 MiB: exactly EPIPE, and the count lies within one pipe capacity of what was read. */
    @ParameterizedTest
    @EnumSource(value = TransferMethod.class, names = "COPY_FILE_RANGE", mode = EnumSource.Mode.EXCLUDE)
    void pipeReaderClosesMidTransfer(TransferMethod method) throws Exception {
        try (FileChannel in = FileChannel.open(SOURCE.file()); PipeSink sink = new PipeSink(READ_BEFORE_CLOSE, 64 * 1024)) {
            int fdIn = Fds.of(in);
            int fdOut = sink.fd();
            Future<Long> call = POOL.submit(() -> NativeZeroCopy.transfer(method, fdIn, fdOut, 0, SIZE));
            assertTrue(sink.awaitHeld(20));
            Thread.sleep(30);
            sink.closeReadEnd();
            ErrnoException e = failure(call);
            assertEquals("EPIPE", e.errnoName(), e.getMessage());
            assertEquals(32, e.errno());
            int capacity = 16 * 4096; // a pipe's default capacity (pipe(7))
            assertTrue(e.bytesTransferred() >= READ_BEFORE_CLOSE && e.bytesTransferred() <= READ_BEFORE_CLOSE + capacity,
                    "bytesTransferred " + e.bytesTransferred());
            byte[] got = sink.finishQuietly();
            assertArrayEquals(Arrays.copyOf(SOURCE.data(), READ_BEFORE_CLOSE), got);
        }
        stillWorks(method);
    }

    /** AF_UNIX socketpair whose peer closes unread: exactly EPIPE. */
    @ParameterizedTest
    @EnumSource(value = TransferMethod.class, names = "COPY_FILE_RANGE", mode = EnumSource.Mode.EXCLUDE)
    void socketPairPeerClosed(TransferMethod method) throws Exception {
        int[] sv = Support.socketPair();
        try (FileChannel in = FileChannel.open(SOURCE.file())) {
            Support.closeQuietly(sv[1]);
            ErrnoException e = assertThrows(ErrnoException.class,
                    () -> NativeZeroCopy.transfer(method, Fds.of(in), sv[0], 0, SIZE));
            assertEquals("EPIPE", e.errnoName(), e.getMessage());
            assertEquals(0, e.bytesTransferred());
        } finally {
            Support.closeQuietly(sv[0]);
        }
        stillWorks(method);
    }

    /**
     * Loopback TCP: the receiver reads 1 MiB, then closes (with unread data, which sends RST) or
     * resets with SO_LINGER 0. The sender gets ECONNRESET or EPIPE, depending on whether the RST
     * arrives during a send or before the next one; the count covers at least what was read.
     */
    @ParameterizedTest
    @EnumSource(value = TransferMethod.class, names = "COPY_FILE_RANGE", mode = EnumSource.Mode.EXCLUDE)
    void tcpPeerResetsMidTransfer(TransferMethod method) throws Exception {
        for (boolean linger0 : new boolean[] {false, true}) {
            try (FileChannel in = FileChannel.open(SOURCE.file()); Loopback tcp = Loopback.open(0, 0)) {
                int fdIn = Fds.of(in);
                int fdOut = Fds.of(tcp.client);
                Future<Long> call = POOL.submit(() -> NativeZeroCopy.transfer(method, fdIn, fdOut, 0, SIZE));
                ByteArrayOutputStream got = new ByteArrayOutputStream();
                ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
                while (got.size() < READ_BEFORE_CLOSE) {
                    buf.clear().limit(Math.min(buf.capacity(), READ_BEFORE_CLOSE - got.size()));
                    int n = tcp.server.read(buf);
                    assertTrue(n > 0);
                    got.write(buf.array(), 0, n);
                }
                Thread.sleep(30);
                if (linger0) {
                    tcp.resetServer();
                } else {
                    tcp.server.close();
                }
                ErrnoException e = failure(call);
                assertTrue(Set.of("EPIPE", "ECONNRESET").contains(e.errnoName()), e.getMessage());
                assertTrue(e.bytesTransferred() >= READ_BEFORE_CLOSE && e.bytesTransferred() < SIZE, e.getMessage());
                assertArrayEquals(Arrays.copyOf(SOURCE.data(), READ_BEFORE_CLOSE), got.toByteArray());
            }
        }
        stillWorks(method);
    }

    private static ErrnoException failure(Future<Long> call) throws Exception {
        try {
            long n = call.get(30, TimeUnit.SECONDS);
            throw new AssertionError("transfer returned " + n + " instead of failing");
        } catch (java.util.concurrent.ExecutionException ee) {
            if (ee.getCause() instanceof ErrnoException) {
                return (ErrnoException) ee.getCause();
            }
            throw ee;
        }
    }

    /** The JVM lived through the failure, and the method still moves bytes correctly. */
    private static void stillWorks(TransferMethod method) throws Exception {
        try (FileChannel in = FileChannel.open(SOURCE.file()); PipeSink sink = new PipeSink()) {
            assertEquals(100_000, NativeZeroCopy.transfer(method, Fds.of(in), sink.fd(), 5, 100_000));
            assertArrayEquals(Arrays.copyOfRange(SOURCE.data(), 5, 100_005), sink.finish(10));
        }
    }
}
