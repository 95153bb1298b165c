package dev.zerocopy.hazards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerocopy.ErrnoException;
import dev.zerocopy.Fds;
import dev.zerocopy.NativeZeroCopy;
import dev.zerocopy.TransferMethod;
import dev.zerocopy.testkit.DaemonPool;
import dev.zerocopy.testkit.Hashing;
import dev.zerocopy.testkit.Loopback;
import dev.zerocopy.testkit.Methods;
import dev.zerocopy.testkit.Received;
import dev.zerocopy.testkit.SourceFile;
import dev.zerocopy.testkit.Targets;
import java.io.ByteArrayOutputStream;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.NetworkChannel;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * HAZARDS 7 (docs/HAZARDS.md): a reader that goes away before or during a transfer. HotSpot
 * ignores SIGPIPE and the shim installs no handler, so the writing syscall fails with EPIPE (or
 * ECONNRESET once a TCP reset arrived) instead of killing the process, and the error carries the
 * bytes moved so far. The JVM lives and the same thread transfers intact data right after.
 *
 * bytesTransferred counts what the kernel accepted into the target; what the reader had not read
 * when it left is discarded by the kernel, so the count can exceed what the reader got by at most
 * the buffers between them (the pipe's capacity, or the two socket buffers).
 */
class PeerCloseAndResetTest {
    private static final int SIZE = 64 << 20; // more than loopback TCP can buffer after the reader left
    private static final Set<String> GONE = Set.of("EPIPE", "ECONNRESET");
    @RegisterExtension
    static final DaemonPool POOL = new DaemonPool();
    @RegisterExtension
    static final SourceFile SOURCE = new SourceFile(SIZE, 11);

    /** The reader left before the first byte: a pipe or Unix socket gives EPIPE with 0 bytes; TCP accepts one write first. */
    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("dev.zerocopy.testkit.Methods#streamPairs")
    void readerClosedBeforeTheTransfer(TransferMethod method, Targets.Kind kind) throws Exception {
        try (FileChannel in = FileChannel.open(SOURCE.file());
             Targets.Target target = Targets.open(kind, SOURCE.dir(), new Targets.Options().closeAfter(0))) {
            target.awaitReader();
            int fdIn = Fds.of(in);
            int fdOut = target.fd();
            ErrnoException e = assertThrows(ErrnoException.class, () -> NativeZeroCopy.transfer(method, fdIn, fdOut, 0, SIZE));
            assertTrue(GONE.contains(e.errnoName()), e.getMessage());
            assertEquals(Methods.writeCall(method), e.syscall(), e.getMessage());
            assertEquals(0, target.receivedSoFar());
            if (kind == Targets.Kind.TCP) {
                // TCP accepts a first write after the peer's FIN; its RST fails the next one.
                assertTrue(e.bytesTransferred() >= 0 && e.bytesTransferred() <= bufferBound(target), e.getMessage());
            } else {
                assertEquals(0, e.bytesTransferred(), e.getMessage());
                assertEquals("EPIPE", e.errnoName());
            }
            // A later call fails the same way, not with a stale or odd state.
            ErrnoException again = assertThrows(ErrnoException.class, () -> NativeZeroCopy.transfer(method, fdIn, fdOut, 0, 4096));
            assertTrue(GONE.contains(again.errnoName()), again.getMessage());
        }
        stillWorks(method);
    }

    /** The reader takes 100,000 bytes, then closes: EPIPE (ECONNRESET possible on TCP), the count within the buffers' bound. */
    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("dev.zerocopy.testkit.Methods#streamPairs")
    void readerClosesMidTransfer(TransferMethod method, Targets.Kind kind) throws Exception {
        int readerTakes = 100_000;
        Targets.Options options = new Targets.Options().closeAfter(readerTakes).sendBuffer(64 * 1024).receiveBuffer(64 * 1024);
        try (FileChannel in = FileChannel.open(SOURCE.file()); Targets.Target target = Targets.open(kind, SOURCE.dir(), options)) {
            int fdIn = Fds.of(in);
            int fdOut = target.fd();
            long bound = bufferBound(target);
            ErrnoException e = assertThrows(ErrnoException.class, () -> NativeZeroCopy.transfer(method, fdIn, fdOut, 0, SIZE));
            assertTrue(GONE.contains(e.errnoName()), e.getMessage());
            if (kind != Targets.Kind.TCP) {
                assertEquals("EPIPE", e.errnoName(), e.getMessage());
            }
            assertEquals(e.errnoName().equals("EPIPE") ? 32 : 104, e.errno());
            assertEquals(Methods.writeCall(method), e.syscall(), e.getMessage());
            assertTrue(e.getMessage().contains(e.bytesTransferred() + " bytes transferred"), e.getMessage());
            Received got = target.finish();
            assertEquals(readerTakes, got.count());
            assertEquals(Hashing.of(SOURCE.data(), 0, readerTakes), got.sha256(), "what the reader got is the start of the source");
            assertTrue(e.bytesTransferred() >= readerTakes && e.bytesTransferred() <= readerTakes + bound,
                    "bytesTransferred " + e.bytesTransferred() + " not within [" + readerTakes + ", " + readerTakes + " + " + bound + "]");
        }
        stillWorks(method);
    }

    /**
     * Loopback TCP: the receiver reads 1 MiB, then closes with unread data (the kernel sends RST)
     * or resets with SO_LINGER 0. The sender gets ECONNRESET or EPIPE, depending on whether the
     * RST arrives during a send or before the next one; the count covers at least what was read.
     */
    @ParameterizedTest
    @EnumSource(value = TransferMethod.class, names = "COPY_FILE_RANGE", mode = EnumSource.Mode.EXCLUDE)
    void tcpPeerResetsMidTransfer(TransferMethod method) throws Exception {
        int readBeforeClose = 1 << 20;
        for (boolean linger0 : new boolean[] {false, true}) {
            try (FileChannel in = FileChannel.open(SOURCE.file()); Loopback tcp = Loopback.open(0, 0)) {
                int fdIn = Fds.of(in);
                int fdOut = Fds.of(tcp.client);
                Future<Long> call = POOL.submit(() -> NativeZeroCopy.transfer(method, fdIn, fdOut, 0, SIZE));
                ByteArrayOutputStream got = new ByteArrayOutputStream();
                ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
                while (got.size() < readBeforeClose) {
                    buf.clear().limit(Math.min(buf.capacity(), readBeforeClose - got.size()));
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
                assertTrue(GONE.contains(e.errnoName()), e.getMessage());
                assertTrue(e.bytesTransferred() >= readBeforeClose && e.bytesTransferred() < SIZE, e.getMessage());
                assertEquals(Hashing.of(SOURCE.data(), 0, readBeforeClose), Hashing.of(got.toByteArray()));
            }
        }
        stillWorks(method);
    }

    private static ErrnoException failure(Future<Long> call) throws Exception {
        try {
            long n = call.get(30, TimeUnit.SECONDS);
            throw new AssertionError("transfer returned " + n + " instead of failing");
        } catch (ExecutionException ee) {
            if (ee.getCause() instanceof ErrnoException e) {
                return e;
            }
            throw ee;
        }
    }

    /** Most bytes the kernel can hold between writer and reader: a default pipe, or both socket buffers. */
    private static long bufferBound(Targets.Target target) throws Exception {
        if (target.kind == Targets.Kind.PIPE) {
            return 64 * 1024; // pipe(7): default capacity 16 pages; the JDK does not resize its pipes
        }
        NetworkChannel w = (NetworkChannel) target.writer();
        NetworkChannel r = (NetworkChannel) target.readerChannel();
        int rcv = r.isOpen() ? r.getOption(StandardSocketOptions.SO_RCVBUF) : 256 * 1024;
        long both = w.getOption(StandardSocketOptions.SO_SNDBUF) + rcv;
        // TCP on loopback also holds segments in flight and charges queues by skb truesize, so the
        // payload it holds can pass the nominal sizes; still far below a stranded 1 MiB splice pipe.
        return target.kind == Targets.Kind.TCP ? 2 * both : both;
    }

    /** The JVM lived through the failure, and the same thread moves intact data right after (for splice: through a new pipe). */
    private static void stillWorks(TransferMethod method) throws Exception {
        try (FileChannel in = FileChannel.open(SOURCE.file()); Targets.Target target = Targets.open(Targets.Kind.PIPE, SOURCE.dir())) {
            assertEquals(300_000, NativeZeroCopy.transfer(method, Fds.of(in), target.fd(), 5, 300_000));
            Received got = target.finish();
            assertEquals(300_000, got.count());
            assertEquals(Hashing.of(SOURCE.data(), 5, 300_000), got.sha256());
        }
    }
}
