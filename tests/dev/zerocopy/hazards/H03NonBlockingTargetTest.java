package dev.zerocopy.hazards;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerocopy.testkit.Loopback;
import dev.zerocopy.testkit.DaemonPool;
import dev.zerocopy.testkit.SourceFile;
import dev.zerocopy.testkit.Proc;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.zerocopy.Fds;
import dev.zerocopy.NativeZeroCopy;
import dev.zerocopy.TransferMethod;

/**
 * HAZARDS 3: on a non-blocking target EAGAIN means "try later". Each call returns the bytes
 * that reached the target (possibly 0), as NIO does; the caller resumes at offset + count. With
 * splice, bytes left in the library's pipe when the target would block are not counted and the
 * pipe is replaced, so resuming neither loses nor repeats a byte. Tiny SO_SNDBUF, slow reader,
 * exact bytes received.
 */
class H03NonBlockingTargetTest {
    private static final int SIZE = 3 << 20;
    @RegisterExtension
    static final DaemonPool POOL = new DaemonPool();
    @RegisterExtension
    static final SourceFile SOURCE = new SourceFile(SIZE, 3);

    @ParameterizedTest
    @EnumSource(value = TransferMethod.class, names = "COPY_FILE_RANGE", mode = EnumSource.Mode.EXCLUDE)
    void tinySendBufferSlowReader(TransferMethod method) throws Exception {
        int fds = Proc.fdCount();
        int offset = 12_345;
        try (FileChannel in = FileChannel.open(SOURCE.file()); Loopback tcp = Loopback.open(1, 4096)) {
            tcp.client.configureBlocking(false); // sets O_NONBLOCK on the fd the library writes
            Future<byte[]> reader = POOL.submit(() -> slowRead(tcp.server, SIZE - offset));
            Stats s = pump(method, Fds.of(in), Fds.of(tcp.client), tcp.client, offset);
            tcp.client.shutdownOutput();
            byte[] got = reader.get(60, TimeUnit.SECONDS);
            assertArrayEquals(Arrays.copyOfRange(SOURCE.data(), offset, SIZE), got, "exact bytes received");
            assertTrue(s.shortCalls > 0, "the target never pushed back: " + s);
        }
        Proc.assertNoGrowth("open descriptors (splice replaces its pipe on EAGAIN)", fds, Proc::fdCount);
    }

    @ParameterizedTest
    @EnumSource(value = TransferMethod.class, names = "COPY_FILE_RANGE", mode = EnumSource.Mode.EXCLUDE)
    void nonBlockingPipeTarget(TransferMethod method) throws Exception {
        try (FileChannel in = FileChannel.open(SOURCE.file()); PipeSink sink = new PipeSink(-1, 4096)) {
            sink.sink().configureBlocking(false);
            Stats s = pump(method, Fds.of(in), sink.fd(), sink.sink(), 0);
            byte[] got = sink.finish(30);
            assertArrayEquals(SOURCE.data(), got);
            assertTrue(s.shortCalls > 0, "the pipe never filled: " + s);
        }
    }

    record Stats(int calls, int shortCalls, int zeroCalls) {
    }

    /** Transfers [offset, SIZE) in non-blocking calls, waiting for writability when a call moves nothing. */
    private static Stats pump(TransferMethod method, int fdIn, int fdOut, java.nio.channels.SelectableChannel ch, long offset)
            throws Exception {
        int calls = 0;
        int shortCalls = 0;
        int zeroCalls = 0;
        try (Selector sel = Selector.open()) {
            ch.register(sel, SelectionKey.OP_WRITE);
            long pos = offset;
            while (pos < SIZE) {
                long want = Math.min(SIZE - pos, 1 << 20);
                long n = NativeZeroCopy.transfer(method, fdIn, fdOut, pos, want);
                calls++;
                assertTrue(n >= 0 && n <= want);
                if (n < want) {
                    shortCalls++;
                }
                if (n == 0) {
                    zeroCalls++;
                    sel.select(1000);
                    sel.selectedKeys().clear();
                }
                pos += n;
            }
        }
        return new Stats(calls, shortCalls, zeroCalls);
    }

    /** Reads n bytes in small pieces with pauses, so the sender keeps running into a full buffer. */
    private static byte[] slowRead(SocketChannel ch, int n) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream(n);
        ByteBuffer buf = ByteBuffer.allocate(32 * 1024);
        int reads = 0;
        while (true) {
            buf.clear();
            int r = ch.read(buf);
            if (r < 0) {
                break;
            }
            out.write(buf.array(), 0, r);
            if (++reads % 8 == 0) {
                Thread.sleep(1);
            }
        }
        return out.toByteArray();
    }
}
