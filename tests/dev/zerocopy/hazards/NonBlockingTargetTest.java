package dev.zerocopy.hazards;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.zerocopy.Fds;
import dev.zerocopy.NativeZeroCopy;
import dev.zerocopy.TransferMethod;
import dev.zerocopy.testkit.DaemonPool;
import dev.zerocopy.testkit.Hashing;
import dev.zerocopy.testkit.Loopback;
import dev.zerocopy.testkit.Proc;
import dev.zerocopy.testkit.Received;
import dev.zerocopy.testkit.SourceFile;
import dev.zerocopy.testkit.Targets;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * HAZARDS 3 (docs/HAZARDS.md): on a non-blocking target EAGAIN means "try later". Each call
 * returns the bytes that reached the target before it would block (possibly 0), as NIO does,
 * without blocking; the caller resumes at offset + count. With splice, bytes left in the library's
 * pipe when the target would block are neither counted nor delivered later (the pipe is
 * replaced), so resuming neither loses nor repeats a byte.
 */
class NonBlockingTargetTest {
    private static final int SIZE = 8 * 1024 * 1024 + 5;
    @RegisterExtension
    static final DaemonPool POOL = new DaemonPool();
    @RegisterExtension
    static final SourceFile SOURCE = new SourceFile(SIZE, 5);

    /** All transfers of a test run on this one thread, so splice reuses (or replaces) the same per-thread pipe. */
    private ExecutorService worker;

    @BeforeEach
    void worker() {
        worker = Executors.newSingleThreadExecutor(DaemonPool.DAEMON);
    }

    @AfterEach
    void stop() throws Exception {
        worker.shutdownNow();
        assertTrue(worker.awaitTermination(30, TimeUnit.SECONDS));
    }

    /** Runs call on the worker; a call that does not return within 20 s is blocked, which a non-blocking target must never do. */
    private long onWorker(Callable<Long> call, Targets.Target unblock) throws Exception {
        try {
            return worker.submit(call).get(20, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            unblock.startReading(); // lets the blocked call finish, so the test ends
            fail("the transfer blocked on a non-blocking target");
            return -1;
        }
    }

    /**
     * A pipe, a TCP and a Unix socket with 4 KiB buffers whose reader has not started: the first
     * call takes some bytes, the next returns at once (usually 0); once the reader drains,
     * resuming from offset + returned delivers the exact source.
     */
    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("dev.zerocopy.testkit.Methods#streamPairs")
    void returnsBytesMovedBeforeBlockingThenResumes(TransferMethod method, Targets.Kind kind) throws Exception {
        byte[] data = SOURCE.data();
        Targets.Options options = new Targets.Options().deferReading().sendBuffer(4096).receiveBuffer(4096);
        try (FileChannel in = FileChannel.open(SOURCE.file()); Targets.Target target = Targets.open(kind, SOURCE.dir(), options)) {
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
                try (Targets.Target other = Targets.open(Targets.Kind.FILE, SOURCE.dir())) {
                    assertEquals(5000, onWorker(() -> NativeZeroCopy.splice(fdIn, other.fd(), 100, 5000), target));
                    Received got = other.finish();
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
            Received received = target.finish();
            assertEquals(SIZE, received.count(), "bytes received: a byte counted but stranded, or delivered twice, shows here");
            assertEquals(Hashing.of(data, 0, SIZE), received.sha256());
        }
    }

    /**
     * TCP with the smallest send buffer the kernel allows and a reader that reads slowly all along:
     * the sender keeps meeting a full buffer (waiting for writability with a selector when a call
     * moves nothing), the receiver gets exactly the source from an odd offset, and no descriptor
     * is left behind (splice replaces its pipe on EAGAIN).
     */
    @ParameterizedTest
    @EnumSource(value = TransferMethod.class, names = "COPY_FILE_RANGE", mode = EnumSource.Mode.EXCLUDE)
    void tinySendBufferSlowReader(TransferMethod method) throws Exception {
        int fds = Proc.fdCount();
        int offset = 12_345;
        try (FileChannel in = FileChannel.open(SOURCE.file()); Loopback tcp = Loopback.open(1, 4096)) {
            tcp.client.configureBlocking(false); // sets O_NONBLOCK on the fd the library writes
            Future<byte[]> reader = POOL.submit(() -> slowRead(tcp.server, SIZE - offset));
            int shortCalls = pump(method, Fds.of(in), Fds.of(tcp.client), tcp.client, offset);
            tcp.client.shutdownOutput();
            byte[] got = reader.get(60, TimeUnit.SECONDS);
            assertArrayEquals(Arrays.copyOfRange(SOURCE.data(), offset, SIZE), got, "exact bytes received");
            assertTrue(shortCalls > 0, "the target never pushed back");
        }
        Proc.assertNoGrowth("open descriptors (splice replaces its pipe on EAGAIN)", fds, Proc::fdCount);
    }

    /** Transfers [offset, SIZE) in non-blocking calls, waiting for writability when a call moves nothing; returns the short calls. */
    private static int pump(TransferMethod method, int fdIn, int fdOut, SelectableChannel ch, long offset) throws Exception {
        int shortCalls = 0;
        try (Selector sel = Selector.open()) {
            ch.register(sel, SelectionKey.OP_WRITE);
            long pos = offset;
            while (pos < SIZE) {
                long want = Math.min(SIZE - pos, 1 << 20);
                long n = NativeZeroCopy.transfer(method, fdIn, fdOut, pos, want);
                assertTrue(n >= 0 && n <= want);
                if (n < want) {
                    shortCalls++;
                }
                if (n == 0) {
                    sel.select(1000);
                    sel.selectedKeys().clear();
                }
                pos += n;
            }
        }
        return shortCalls;
    }

    /** Reads to end of stream in small pieces with pauses, so the sender keeps running into a full buffer. */
    private static byte[] slowRead(SocketChannel ch, int expected) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream(expected);
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
