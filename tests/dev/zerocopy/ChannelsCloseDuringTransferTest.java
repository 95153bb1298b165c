package dev.zerocopy;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerocopy.ChannelTestSupport.Impl;
import dev.zerocopy.testkit.Sources;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.Channel;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scenarios of the JDK's own tests for JDK-8310902 (CloseDuringTransfer: a close of either
 * channel, or an interrupt, after a random delay of 0-9 ms during a transfer to or from a file,
 * socket, pipe and user channel) and 8140241 (TransferOverlappedFileChannel: a file transferred
 * onto itself, regions overlapping or not), through ZeroCopyFileChannel and the static methods.
 * Outcomes as the JDK's: bytes moved, or ClosedChannelException with the closed channel closed and
 * the other open; an interrupt closes the file channel (and on JDK 22+ both).
 */
class ChannelsCloseDuringTransferTest {
    private static final int SIZE = 1 << 20;
    private static final Random RANDOM = new Random(8310902);
    private static ExecutorService pool;

    @TempDir
    Path dir;
    private int files;

    @BeforeAll
    static void start() {
        pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "close-during-transfer");
            t.setDaemon(true);
            return t;
        });
    }

    @AfterAll
    static void stop() {
        pool.shutdownNow();
    }

    enum Action { CLOSE_FILE_SIDE, CLOSE_OTHER, INTERRUPT }

    private Path newFile(byte[] data) throws IOException {
        return Files.write(dir.resolve("f" + files++), data);
    }

    /** A target of the given kind whose other end is drained; its resources go to {@code close}. */
    private WritableByteChannel target(String kind, List<Channel> close) throws IOException {
        switch (kind) {
            case "file":
                return add(close, FileChannel.open(newFile(new byte[0]), WRITE));
            case "socket": {
                SocketChannel[] p = socketPair(close);
                drain(p[1]);
                return p[0];
            }
            case "pipe": {
                Pipe pipe = Pipe.open();
                add(close, pipe.source());
                drain(pipe.source());
                return add(close, pipe.sink());
            }
            default: {
                return new NoFdChannel(add(close, FileChannel.open(newFile(new byte[0]), WRITE)));
            }
        }
    }

    /** A source of the given kind holding SIZE bytes. */
    private ReadableByteChannel source(String kind, List<Channel> close) throws IOException {
        switch (kind) {
            case "file":
                return add(close, FileChannel.open(newFile(new byte[SIZE]), READ));
            case "socket": {
                SocketChannel[] p = socketPair(close);
                feed(p[1]);
                return p[0];
            }
            case "pipe": {
                Pipe pipe = Pipe.open();
                add(close, pipe.sink());
                feed(pipe.sink());
                return add(close, pipe.source());
            }
            default: {
                return new NoFdChannel(add(close, FileChannel.open(newFile(new byte[SIZE]), READ)));
            }
        }
    }

    /** A user channel over a file: the library finds no fd in it and takes its Java loop. */
    private static final class NoFdChannel implements ByteChannel {
        private final FileChannel file;

        NoFdChannel(FileChannel file) {
            this.file = file;
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return file.read(dst);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            return file.write(src);
        }

        @Override
        public boolean isOpen() {
            return file.isOpen();
        }

        @Override
        public void close() throws IOException {
            file.close();
        }
    }

        private static <T extends Channel> T add(List<Channel> list, T ch) {
        list.add(ch);
        return ch;
    }

    private static SocketChannel[] socketPair(List<Channel> close) throws IOException {
        try (ServerSocketChannel listener = ServerSocketChannel.open()) {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            SocketChannel a = add(close, SocketChannel.open(listener.getLocalAddress()));
            return new SocketChannel[] {a, add(close, listener.accept())};
        }
    }

    private static void drain(ReadableByteChannel ch) {
        pool.submit(() -> {
            ByteBuffer bb = ByteBuffer.allocate(8192);
            try {
                while (ch.read(bb.clear()) >= 0) {
                    // discard
                }
            } catch (IOException closed) {
                // the test closes it
            }
        });
    }

    private static void feed(WritableByteChannel ch) {
        pool.submit(() -> {
            ByteBuffer bb = ByteBuffer.allocate(SIZE);
            try (ch) {
                while (bb.hasRemaining()) {
                    ch.write(bb);
                }
            } catch (IOException closed) {
                // the test closes the other end
            }
            return null;
        });
    }

    private Future<?> schedule(Action action, Channel fileSide, Channel other) {
        Thread caller = Thread.currentThread();
        int delay = RANDOM.nextInt(10);
        return pool.submit(() -> {
            TimeUnit.MILLISECONDS.sleep(delay);
            switch (action) {
                case CLOSE_FILE_SIDE:
                    fileSide.close();
                    break;
                case CLOSE_OTHER:
                    other.close();
                    break;
                default:
                    caller.interrupt();
            }
            return null;
        });
    }

    /** What the JDK's test accepts for each action. */
    private static void check(Impl impl, Action action, long n, IOException e, Channel fileSide, Channel other, String what) {
        String where = impl + " " + action + " " + what;
        if (e == null) {
            assertTrue(n > 0, where + ": " + n);
        } else if (e instanceof ClosedByInterruptException) {
            assertTrue(action == Action.INTERRUPT, where + ": " + e);
            assertFalse(fileSide.isOpen(), where + ": the interrupted transfer closes its file channel");
            if (Runtime.version().feature() >= 22) {
                assertFalse(other.isOpen(), where + ": JDK 22+ closes the other channel too");
            }
        } else {
            assertTrue(e instanceof ClosedChannelException, where + ": " + e);
            assertFalse(action == Action.CLOSE_FILE_SIDE ? fileSide.isOpen() : action == Action.CLOSE_OTHER ? other.isOpen()
                    : fileSide.isOpen() && other.isOpen(), where + ": a channel was closed");
        }
        if (action == Action.CLOSE_FILE_SIDE) {
            assertTrue(other.isOpen(), where + ": a close leaves the other channel open");
        } else if (action == Action.CLOSE_OTHER) {
            assertTrue(fileSide.isOpen(), where + ": a close leaves the other channel open");
        }
    }

    private static void finish(Future<?> f) throws Exception {
        while (true) {
            try {
                f.get();
                break;
            } catch (InterruptedException e) {
                // the interrupt was ours
            }
        }
        Thread.interrupted();
    }

    /** One transfer set up for an Impl and a kind of other end: its two channels and the call. */
    interface Case {
        Channel fileSide();

        Channel other();

        long transfer() throws IOException;
    }

    interface CaseFactory {
        Case open(Impl impl, String kind, List<Channel> close) throws IOException;
    }

    /** Every Impl x kind x action once: schedule the action, transfer, check what the JDK's test checks. */
    private void runAll(String what, CaseFactory factory) throws Exception {
        for (Impl impl : new Impl[] {Impl.WRAPPED, Impl.STATIC}) {
            for (String kind : new String[] {"file", "socket", "pipe", "user"}) {
                for (Action action : Action.values()) {
                    List<Channel> close = new ArrayList<>();
                    try {
                        Case c = factory.open(impl, kind, close);
                        Future<?> f = schedule(action, c.fileSide(), c.other());
                        long n = -1;
                        IOException failure = null;
                        try {
                            n = c.transfer();
                        } catch (IOException e) {
                            failure = e;
                        }
                        finish(f);
                        check(impl, action, n, failure, c.fileSide(), c.other(), what + " " + kind);
                    } finally {
                        for (Channel ch : close) {
                            ch.close();
                        }
                    }
                }
            }
        }
    }

    @Test
    void closeOrInterruptDuringTransferTo() throws Exception {
        runAll("transferTo", (impl, kind, close) -> {
            FileChannel src = add(close, impl.open(newFile(new byte[SIZE]), READ));
            WritableByteChannel target = add(close, target(kind, close));
            return new Case() {
                public Channel fileSide() {
                    return src;
                }

                public Channel other() {
                    return target;
                }

                public long transfer() throws IOException {
                    return impl.transferTo(src, 0, Long.MAX_VALUE, target);
                }
            };
        });
    }

    @Test
    void closeOrInterruptDuringTransferFrom() throws Exception {
        runAll("transferFrom", (impl, kind, close) -> {
            ReadableByteChannel src = add(close, source(kind, close));
            FileChannel dst = add(close, impl.open(newFile(new byte[0]), CREATE, WRITE));
            return new Case() {
                public Channel fileSide() {
                    return dst;
                }

                public Channel other() {
                    return src;
                }

                public long transfer() throws IOException {
                    return impl.transferFrom(dst, src, 0, Long.MAX_VALUE);
                }
            };
        });
    }

    /** A file transferred to and from itself, regions apart and overlapping: the bytes the JDK's FileChannel leaves. */
    @Test
    void transfersWithinOneFile() throws Exception {
        byte[] data = Sources.randomBytes(SIZE, 8140241);
        byte[][] results = new byte[Impl.values().length][];
        for (Impl impl : Impl.values()) {
            Path p = newFile(data);
            try (FileChannel ch = impl.open(p, READ, WRITE)) {
                long q = SIZE / 4;
                ch.position(3 * q);
                impl.transferTo(ch, 2 * q, q, ch);     // apart: 1 2 3 4 -> 1 2 3 3
                ch.position(2 * q);
                impl.transferTo(ch, q, 2 * q, ch);     // overlapping
                ch.position(3 * q);
                impl.transferFrom(ch, ch, 2 * q, q);   // apart
                ch.position(2 * q);
                impl.transferFrom(ch, ch, q, 2 * q);   // overlapping
            }
            results[impl.ordinal()] = Files.readAllBytes(p);
        }
        for (Impl impl : Impl.values()) {
            assertArrayEquals(results[Impl.NIO.ordinal()], results[impl.ordinal()], impl + " differs from NIO");
        }
    }
}
