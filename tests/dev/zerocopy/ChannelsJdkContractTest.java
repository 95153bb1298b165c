package dev.zerocopy;

import static dev.zerocopy.testkit.Sources.randomBytes;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerocopy.ChannelTestSupport.Impl;
import dev.zerocopy.testkit.Proc;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.channels.spi.SelectorProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The parts of FileChannel's contract that depend on the running JDK (17 or 25) and that the
 * channel layer must follow: interrupts in every operation (JDK-8310902 closes both channels of an
 * interrupted transfer from JDK 22), descriptors given back when a channel is collected, the
 * order of transferFrom's checks (JDK 21 refuses a non-readable source first), the size a file
 * transferred onto itself is read to, a close racing a receive, and an endless source. Each is
 * compared with the JDK's own FileChannel where the JDK can be asked, as the JDK's tests
 * test/jdk/java/nio/channels/FileChannel/Transfer*.java and InterruptDeadlock.java do.
 */
class ChannelsJdkContractTest {
    @TempDir
    Path dir;

    /** The outcome every Impl must share with NIO's. */
    private static String sameAsNio(ChannelTestSupport.Scenario s) throws Exception {
        return ChannelTestSupport.sameAsNio(s).get(Impl.NIO);
    }

    private static String outcome(Callable call) {
        try {
            return "n=" + call.call();
        } catch (Exception e) {
            return e.getClass().getSimpleName();
        }
    }

    interface Callable {
        Object call() throws Exception;
    }

    // ---------------------------------------------------------------- interrupts

    /** An interrupted thread in any delegated operation closes the channel, as the JDK's does (isOpen() turns false). */
    @Test
    void interruptInAnyOperationClosesTheChannel() throws Exception {
        Path file = Files.write(dir.resolve("f"), randomBytes(10_000, 1));
        List<String> ops = List.of("read", "readAt", "write", "writeAt", "position", "size", "force", "truncate", "map");
        for (String op : ops) {
            String r = sameAsNio(impl -> {
                FileChannel ch = impl.open(file, READ, WRITE);
                try {
                    Thread.currentThread().interrupt();
                    String o = outcome(() -> {
                        switch (op) {
                            case "read": return ch.read(ByteBuffer.allocate(10));
                            case "readAt": return ch.read(ByteBuffer.allocate(10), 5);
                            case "write": return ch.write(ByteBuffer.allocate(10));
                            case "writeAt": return ch.write(ByteBuffer.allocate(10), 5);
                            case "position": return ch.position();
                            case "size": return ch.size();
                            case "force": ch.force(false); return 0;
                            case "truncate": return ch.truncate(20_000).size();
                            default: return ch.map(FileChannel.MapMode.READ_ONLY, 0, 10).capacity();
                        }
                    });
                    boolean interrupted = Thread.interrupted();
                    return o + " open=" + ch.isOpen() + " interrupted=" + interrupted + " later=" + outcome(ch::size);
                } finally {
                    ch.close();
                }
            });
            if (!op.equals("map")) { // map does not look at the interrupt status
                assertEquals("ClosedByInterruptException open=false interrupted=true later=ClosedChannelException", r, op);
            }
        }
    }

    /** Interrupted before a transfer: the running JDK closes the channel whose method it is (17) or both (22+). */
    @Test
    void interruptedTransferClosesWhatTheRunningJdkCloses() throws Exception {
        Path src = Files.write(dir.resolve("src"), randomBytes(100_000, 2));
        Path dst = Files.write(dir.resolve("dst"), new byte[0]);
        List<String> all = new ArrayList<>();
        all.add(sameAsNio(impl -> {
            Pipe pipe = Pipe.open();
            try (FileChannel in = impl.open(src, READ); Pipe.SinkChannel sink = pipe.sink(); Pipe.SourceChannel source = pipe.source()) {
                Thread.currentThread().interrupt();
                String o = outcome(() -> impl.transferTo(in, 0, 1000, sink));
                return o + " src=" + in.isOpen() + " target=" + sink.isOpen() + " interrupted=" + Thread.interrupted();
            }
        }));
        all.add(sameAsNio(impl -> {
            try (FileChannel in = impl.open(src, READ); FileChannel out = impl.open(dst, WRITE)) {
                Thread.currentThread().interrupt();
                String o = outcome(() -> impl.transferTo(in, 0, 1000, out));
                return o + " src=" + in.isOpen() + " target=" + out.isOpen() + " interrupted=" + Thread.interrupted();
            }
        }));
        all.add(sameAsNio(impl -> {
            try (FileChannel in = impl.open(src, READ); FileChannel out = impl.open(dst, WRITE)) {
                Thread.currentThread().interrupt();
                String o = outcome(() -> impl.transferFrom(out, in, 0, 1000));
                return o + " src=" + in.isOpen() + " target=" + out.isOpen() + " interrupted=" + Thread.interrupted();
            }
        }));
        boolean both = Runtime.version().feature() >= 22;
        assertEquals(List.of(
                "ClosedByInterruptException src=false target=" + !both + " interrupted=true",
                "ClosedByInterruptException src=false target=" + !both + " interrupted=true",
                "ClosedByInterruptException src=" + !both + " target=false interrupted=true"), all);
    }

    /** A user channel that interrupts its thread inside transferFrom: the file channel closes, and on 22+ the source too. */
    @Test
    void sourceInterruptingInsideTransferFrom() throws Exception {
        Path dst = Files.write(dir.resolve("dst"), new byte[0]);
        String r = sameAsNio(impl -> {
            InterruptingSource src = new InterruptingSource();
            try (FileChannel out = impl.open(dst, WRITE)) {
                String o = outcome(() -> impl.transferFrom(out, src, 0, 100));
                return o + " dst=" + out.isOpen() + " src=" + src.isOpen() + " interrupted=" + Thread.interrupted();
            }
        });
        assertEquals("ClosedByInterruptException dst=false src=" + (Runtime.version().feature() < 22) + " interrupted=true", r);
    }

    /** Gives one byte and interrupts the reading thread, then end of stream. */
    private static final class InterruptingSource implements ReadableByteChannel {
        private boolean open = true;
        private int reads;

        @Override
        public int read(ByteBuffer dst) {
            if (reads++ == 0) {
                dst.put((byte) 1);
                Thread.currentThread().interrupt();
                return 1;
            }
            return -1;
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void close() {
            open = false;
        }
    }

    // ---------------------------------------------------------------- descriptors of collected channels

    /** Channels dropped without close() give their descriptors back once collected, the private duplicate too. */
    @Test
    void collectedChannelsGiveTheirDescriptorsBack() throws Exception {
        Path file = Files.write(dir.resolve("f"), randomBytes(1000, 3));
        for (Impl impl : new Impl[] {Impl.NIO, Impl.WRAPPED}) {
            System.gc();
            int before = Proc.fdsOf(file);
            openAndDrop(impl, file, 10);
            assertTrue(Proc.fdsOf(file) >= before + 10, impl + ": the channels hold descriptors while reachable");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (Proc.fdsOf(file) > before && System.nanoTime() < deadline) {
                System.gc();
                Thread.sleep(50);
            }
            assertEquals(before, Proc.fdsOf(file), impl + ": descriptors of collected channels");
        }
    }

    private static void openAndDrop(Impl impl, Path file, int n) throws IOException {
        for (int i = 0; i < n; i++) {
            FileChannel ch = impl.open(file, READ);
            assertEquals(1000, ch.size());
        }
    }

    // ---------------------------------------------------------------- the library's own channel as a JDK one

    /**
     * Fds.of takes a ZeroCopyFileChannel as it takes the JDK's FileChannel (it used to
     * throw IllegalArgumentException): the fd reads the file, a closed channel gives
     * ClosedChannelException, a wrapped channel without an fd IllegalArgumentException.
     */
    @Test
    void nativeFdAcceptsTheLibrarysOwnChannel() throws Exception {
        byte[] data = randomBytes(50_000, 6);
        Path file = Files.write(dir.resolve("fd"), data);
        Path out = dir.resolve("fd-out");
        ZeroCopyFileChannel ch = ZeroCopyFileChannel.open(file, READ);
        try (FileChannel dst = FileChannel.open(out, java.nio.file.StandardOpenOption.CREATE, WRITE)) {
            int fd = Fds.of(ch);
            assertEquals(data.length, NativeZeroCopy.sendfile(fd, Fds.of(dst), 0, data.length));
            assertEquals(dev.zerocopy.testkit.Hashing.of(data), dev.zerocopy.testkit.Hashing.of(Files.readAllBytes(out)));
        } finally {
            ch.close();
        }
        assertThrows(java.nio.channels.ClosedChannelException.class, () -> Fds.of(ch));
        FileChannel noFd = new UserFileChannel();
        try (ZeroCopyFileChannel wrapped = ZeroCopyFileChannel.wrap(noFd)) {
            assertThrows(IllegalArgumentException.class, () -> Fds.of(wrapped));
        }
    }

    /** A FileChannel that is not the JDK's (no fd): every operation unsupported, only open/close. */
    private static final class UserFileChannel extends FileChannel {
        @Override public int read(ByteBuffer dst) { throw new UnsupportedOperationException(); }
        @Override public long read(ByteBuffer[] dsts, int offset, int length) { throw new UnsupportedOperationException(); }
        @Override public int write(ByteBuffer src) { throw new UnsupportedOperationException(); }
        @Override public long write(ByteBuffer[] srcs, int offset, int length) { throw new UnsupportedOperationException(); }
        @Override public long position() { return 0; }
        @Override public FileChannel position(long newPosition) { return this; }
        @Override public long size() { return 0; }
        @Override public FileChannel truncate(long size) { return this; }
        @Override public void force(boolean metaData) { }
        @Override public long transferTo(long position, long count, WritableByteChannel target) { return 0; }
        @Override public long transferFrom(ReadableByteChannel src, long position, long count) { return 0; }
        @Override public int read(ByteBuffer dst, long position) { throw new UnsupportedOperationException(); }
        @Override public int write(ByteBuffer src, long position) { throw new UnsupportedOperationException(); }
        @Override public java.nio.MappedByteBuffer map(MapMode mode, long position, long size) { throw new UnsupportedOperationException(); }
        @Override public java.nio.channels.FileLock lock(long position, long size, boolean shared) { throw new UnsupportedOperationException(); }
        @Override public java.nio.channels.FileLock tryLock(long position, long size, boolean shared) { throw new UnsupportedOperationException(); }
        @Override protected void implCloseChannel() { }
    }

    // ---------------------------------------------------------------- transferFrom

    /**
     * A file transferred onto its own end: the JDK copies the bytes it held on entry
     * (transferFromFileChannel: min(count, size - position)), never what the copy itself appends.
     * The count is bounded so that a copy that feeds itself stops at 10 MiB instead of the disk.
     */
    @Test
    void fileTransferredOntoItselfCopiesTheSizeOnEntry() throws Exception {
        byte[] data = randomBytes(100_000, 4);
        String r = sameAsNio(impl -> {
            Path p = Files.write(dir.resolve("self-" + impl), data);
            try (FileChannel ch = impl.open(p, READ, WRITE)) {
                long n = impl.transferFrom(ch, ch, data.length, 10 << 20);
                byte[] got = Files.readAllBytes(p);
                boolean twice = got.length == 2 * data.length
                        && java.util.Arrays.equals(data, 0, data.length, got, data.length, got.length);
                return "n=" + n + " size=" + ch.size() + " position=" + ch.position() + " twice=" + twice;
            }
        });
        assertEquals("n=100000 size=200000 position=100000 twice=true", r);
    }

    /** The order of transferFrom's checks is the running JDK's: 21+ refuses a non-readable source file first. */
    @Test
    void transferFromChecksInTheRunningJdksOrder() throws Exception {
        Path src = Files.write(dir.resolve("src"), randomBytes(100, 5));
        Path dst = Files.write(dir.resolve("dst"), new byte[0]);
        List<String> all = new ArrayList<>();
        all.add(sameAsNio(impl -> { // not readable and not writable
            try (FileChannel in = impl.open(src, WRITE); FileChannel out = impl.open(dst, READ)) {
                return outcome(() -> impl.transferFrom(out, in, 0, 10));
            }
        }));
        all.add(sameAsNio(impl -> { // not readable, negative position
            try (FileChannel in = impl.open(src, WRITE); FileChannel out = impl.open(dst, WRITE)) {
                return outcome(() -> impl.transferFrom(out, in, -1, 10));
            }
        }));
        all.add(sameAsNio(impl -> { // not readable, position past the end of dst
            try (FileChannel in = impl.open(src, WRITE); FileChannel out = impl.open(dst, WRITE)) {
                return outcome(() -> impl.transferFrom(out, in, 1000, 10));
            }
        }));
        boolean jdk21 = Runtime.version().feature() >= 21;
        assertEquals(jdk21
                ? List.of("NonReadableChannelException", "NonReadableChannelException", "NonReadableChannelException")
                : List.of("NonWritableChannelException", "IllegalArgumentException", "n=0"), all);
    }

    /**
     * A socket closed between transferFrom's first check and its next one: AsynchronousCloseException
     * (as the JDK's transferFailed turns a close during a transfer), never NotYetConnectedException.
     * The socket closes itself when asked whether it is connected, which puts the close exactly there.
     */
    @Test
    void closeRacingAReceiveIsAnAsynchronousClose() throws Exception {
        Path dst = Files.write(dir.resolve("dst"), new byte[0]);
        for (Impl impl : new Impl[] {Impl.WRAPPED, Impl.STATIC}) {
            try (FileChannel out = impl.open(dst, WRITE); ClosingSocket src = new ClosingSocket()) {
                assertThrows(AsynchronousCloseException.class, () -> impl.transferFrom(out, src, 0, 10), impl.toString());
            }
        }
        try (FileChannel in = FileChannel.open(Files.write(dir.resolve("src"), new byte[10]), READ);
             ClosingSocket target = new ClosingSocket()) {
            assertThrows(AsynchronousCloseException.class, () -> ZeroCopyChannels.transferTo(in, 0, 10, target));
        }
    }

    /** A SocketChannel that is open until asked isConnected(), which closes it (a close from another thread, made exact). */
    private static final class ClosingSocket extends SocketChannel {
        ClosingSocket() {
            super(SelectorProvider.provider());
        }

        @Override
        public boolean isConnected() {
            try {
                close();
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            return false;
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            throw new java.nio.channels.ClosedChannelException();
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            throw new java.nio.channels.ClosedChannelException();
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            throw new java.nio.channels.ClosedChannelException();
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            throw new java.nio.channels.ClosedChannelException();
        }

        @Override
        public SocketChannel bind(SocketAddress local) {
            throw new UnsupportedOperationException();
        }

        @Override
        public <T> SocketChannel setOption(SocketOption<T> name, T value) {
            throw new UnsupportedOperationException();
        }

        @Override
        public <T> T getOption(SocketOption<T> name) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Set<SocketOption<?>> supportedOptions() {
            return Set.of();
        }

        @Override
        public SocketChannel shutdownInput() {
            return this;
        }

        @Override
        public SocketChannel shutdownOutput() {
            return this;
        }

        @Override
        public Socket socket() {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean isConnectionPending() {
            return false;
        }

        @Override
        public boolean connect(SocketAddress remote) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean finishConnect() {
            return false;
        }

        @Override
        public SocketAddress getRemoteAddress() {
            return null;
        }

        @Override
        public SocketAddress getLocalAddress() {
            return null;
        }

        @Override
        protected void implCloseSelectableChannel() {
        }

        @Override
        protected void implConfigureBlocking(boolean block) {
        }
    }

    // ---------------------------------------------------------------- endless sources

    /**
     * Long.MAX_VALUE bytes of /dev/zero (size 0, read to its end like procfs) never end by
     * themselves: an interrupt ends the transfer with ClosedByInterruptException and the channel
     * closed, as the JDK's does; so does closing the source from another thread (the bytes so
     * far are returned, as the JDK's copy loop returns them).
     */
    @Test
    void endlessSourceEndsOnInterruptOrClose() throws Exception {
        for (Impl impl : Impl.values()) {
            if (impl == Impl.NIO && Runtime.version().feature() < 21) {
                try (FileChannel zero = FileChannel.open(Paths.get("/dev/zero"), READ);
                     FileChannel devNull = FileChannel.open(Paths.get("/dev/null"), WRITE)) {
                    assertEquals(0, zero.transferTo(0, Long.MAX_VALUE, devNull), "JDK 17 reads nothing from a file of size 0");
                }
                continue; // the channel layer reads size-0 files as JDK 21+ does
            }
            for (boolean interrupt : new boolean[] {true, false}) {
                FileChannel zero = impl.open(Paths.get("/dev/zero"), READ);
                try (FileChannel devNull = FileChannel.open(Paths.get("/dev/null"), WRITE)) {
                    AtomicReference<Thread> worker = new AtomicReference<>();
                    CompletableFuture<String> call = new CompletableFuture<>();
                    Thread t = new Thread(() -> {
                        worker.set(Thread.currentThread());
                        try {
                            call.complete("n=" + impl.transferTo(zero, 0, Long.MAX_VALUE, devNull));
                        } catch (Throwable e) {
                            call.complete(e.getClass().getSimpleName());
                        }
                    }, "endless-" + impl);
                    t.setDaemon(true);
                    t.start();
                    Thread.sleep(300);
                    assertFalse(call.isDone(), impl + ": an endless source runs until stopped");
                    if (interrupt) {
                        t.interrupt();
                    } else {
                        zero.close();
                    }
                    String r;
                    try {
                        r = call.get(20, TimeUnit.SECONDS);
                    } catch (java.util.concurrent.TimeoutException e) {
                        throw new AssertionError(impl + (interrupt ? ": the interrupt" : ": the close") + " did not end the transfer");
                    } catch (ExecutionException e) {
                        throw new AssertionError(e);
                    }
                    if (interrupt) {
                        // The JDK's copy loop returns the bytes it moved before the interrupt closed its channel.
                        assertTrue(r.startsWith("n=") || r.equals("ClosedByInterruptException"), impl + ": " + r);
                        if (impl == Impl.NIO) { // the JDK's loop closes whichever channel's operation saw the interrupt
                            assertFalse(zero.isOpen() && devNull.isOpen(), "NIO: the interrupt closed a channel");
                        } else {
                            assertFalse(zero.isOpen(), impl + ": the interrupted transfer closed its file channel");
                        }
                    } else {
                        assertTrue(r.startsWith("n=") || r.equals("AsynchronousCloseException"), impl + ": " + r);
                    }
                } finally {
                    zero.close();
                }
            }
        }
    }
}
