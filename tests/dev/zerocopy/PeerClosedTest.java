package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerocopy.testkit.Hashing;
import dev.zerocopy.testkit.Sources;
import java.net.StandardSocketOptions;
import java.nio.channels.FileChannel;
import java.nio.channels.NetworkChannel;
import java.nio.file.Path;
import java.util.Set;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A target whose reader went away: EPIPE (or ECONNRESET for TCP, when the peer's RST arrived
 * first) from the syscall that writes, with the bytes moved so far, and the JVM lives on (HotSpot
 * ignores SIGPIPE; the shim installs no handler: HAZARDS 7).
 *
 * bytesTransferred counts what the kernel accepted into the target; what the reader had not read
 * yet when it closed is discarded by the kernel, so it can exceed what the reader got by at most
 * the buffers between them (the pipe's capacity, or the two socket buffers), and equals it when
 * the reader left before the first byte.
 */
class PeerClosedTest {
    static final int SIZE = 16 * 1024 * 1024;
    static final Set<String> GONE = Set.of("EPIPE", "ECONNRESET");

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("dev.zerocopy.Methods#streamPairs")
    void readerClosedBeforeTheTransfer(TransferMethod method, Targets.Kind kind) throws Exception {
        Path src = Sources.random(dir, "src", SIZE, 11);
        try (FileChannel in = FileChannel.open(src);
             Targets.Target target = Targets.open(kind, dir, new Targets.Options().closeAfter(0))) {
            target.awaitReader();
            int fdIn = Fds.of(in);
            int fdOut = target.fd();
            ErrnoException e = assertThrows(ErrnoException.class, () -> NativeZeroCopy.transfer(method, fdIn, fdOut, 0, SIZE));
            assertTrue(GONE.contains(e.errnoName()), e.getMessage());
            assertEquals(BadInputTest.writeCall(method), e.syscall(), e.getMessage());
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

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("dev.zerocopy.Methods#streamPairs")
    void readerClosesMidTransfer(TransferMethod method, Targets.Kind kind) throws Exception {
        byte[] data = Sources.randomBytes(SIZE, 12);
        Path src = java.nio.file.Files.write(dir.resolve("src"), data);
        int readerTakes = 100_000;
        Targets.Options options = new Targets.Options().closeAfter(readerTakes).sendBuffer(64 * 1024).receiveBuffer(64 * 1024);
        try (FileChannel in = FileChannel.open(src); Targets.Target target = Targets.open(kind, dir, options)) {
            int fdIn = Fds.of(in);
            int fdOut = target.fd();
            long bound = bufferBound(target);
            ErrnoException e = assertThrows(ErrnoException.class, () -> NativeZeroCopy.transfer(method, fdIn, fdOut, 0, SIZE));
            assertTrue(GONE.contains(e.errnoName()), e.getMessage());
            if (kind != Targets.Kind.TCP) {
                assertEquals("EPIPE", e.errnoName(), e.getMessage());
            }
            assertEquals(e.errnoName().equals("EPIPE") ? 32 : 104, e.errno());
            assertEquals(BadInputTest.writeCall(method), e.syscall(), e.getMessage());
            assertTrue(e.getMessage().contains(e.bytesTransferred() + " bytes transferred"), e.getMessage());
            Targets.Received got = target.finish();
            assertEquals(readerTakes, got.count());
            assertEquals(Hashing.of(data, 0, readerTakes), got.sha256(), "what the reader got is the start of the source");
            assertTrue(e.bytesTransferred() >= readerTakes && e.bytesTransferred() <= readerTakes + bound,
                    "bytesTransferred " + e.bytesTransferred() + " not within [" + readerTakes + ", " + readerTakes + " + " + bound + "]");
        }
        stillWorks(method);
    }

    /** Most bytes the kernel can hold between writer and reader: a default pipe, or both socket buffers. */
    static long bufferBound(Targets.Target target) throws Exception {
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

    /** The same thread transfers intact data right after (for splice: through a new pipe). */
    void stillWorks(TransferMethod method) throws Exception {
        byte[] data = Sources.randomBytes(300_000, 13);
        Path src = java.nio.file.Files.write(dir.resolve("src2"), data);
        try (FileChannel in = FileChannel.open(src); Targets.Target target = Targets.open(Targets.Kind.PIPE, dir)) {
            assertEquals(data.length, NativeZeroCopy.transfer(method, Fds.of(in), target.fd(), 0, data.length));
            Targets.Received got = target.finish();
            assertEquals(data.length, got.count());
            assertEquals(Hashing.of(data, 0, data.length), got.sha256());
        }
    }
}
