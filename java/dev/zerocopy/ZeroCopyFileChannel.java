package dev.zerocopy;

import java.io.IOException;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.Channel;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A FileChannel whose {@link #transferTo} and {@link #transferFrom} go through
 * {@link ZeroCopyChannels}; every other method is the wrapped channel's. Code that opens files
 * with {@code FileChannel.open(path)} switches by changing that one call:
 * <pre>{@code
 * FileChannel file = FileChannel.open(path);            // before
 * FileChannel file = ZeroCopyFileChannel.open(path);    // after
 * }</pre>
 * It works wherever the JDK's FileChannel does, {@code Fds.of(channel)} included.
 *
 * <p>The channel keeps a private duplicate of the file's descriptor for its native calls. It is
 * closed when the channel is closed and no transfer is in flight (or, if one is, when the last one
 * returns), so a close from another thread never lets a native call write to or read from a
 * number the process has reused (HAZARDS 13); such a transfer stops after its current chunk of at
 * most 8 MiB and returns the bytes it moved, or throws AsynchronousCloseException if none. A
 * channel that is dropped without being closed gives its descriptors back when it is garbage
 * collected, as the JDK's channels do.
 *
 * <p>Interrupts, as the running JDK's FileChannel: a thread interrupted in any operation closes
 * the channel and gets ClosedByInterruptException; an interrupted transfer also closes the other
 * channel on JDK 22 and later (JDK-8310902).
 *
 * <p>Differences from the wrapped channel: {@link FileLock#channel()} of a lock returns the
 * wrapped channel; JDK 22's {@code map(MapMode, long, long, Arena)} is not delegated (this class
 * compiles for JDK 17).
 */
public final class ZeroCopyFileChannel extends FileChannel {
    private static final long CLOSED = 1L << 62;
    /** Closes the private duplicates of channels that were dropped without close(). */
    private static final Cleaner CLEANER = Cleaner.create();

    private final FileChannel delegate;
    /** Our duplicate of the delegate's fd, or -1 when it has none (a FileChannel not from the JDK). */
    private final int fd;
    /** Description bits (HeldFd.*); HeldFd.PARTIAL until the kernel was asked. */
    private volatile int desc;
    /** In-flight native transfers, plus CLOSED once closed; the fd is closed when it reaches CLOSED. */
    private final AtomicLong state = new AtomicLong();
    /** Closes fd exactly once: at close (or after the last transfer), or when the channel is collected. */
    private final Cleaner.Cleanable fdCloser;
    private volatile TransferMethod method;

    private ZeroCopyFileChannel(FileChannel delegate, int fd, int desc) {
        this.delegate = delegate;
        this.fd = fd;
        this.desc = desc;
        this.fdCloser = fd >= 0 ? CLEANER.register(this, new FdCloser(fd)) : null;
    }

    /** The cleaning action: must not refer to the channel, or it would never become unreachable. */
    private static final class FdCloser implements Runnable {
        private final int fd;

        FdCloser(int fd) {
            this.fd = fd;
        }

        @Override
        public void run() {
            NativeLibrary.shim().zc_chan_close(fd);
        }
    }

    /** {@link FileChannel#open(Path, OpenOption...)}, wrapped. */
    public static ZeroCopyFileChannel open(Path path, OpenOption... options) throws IOException {
        return open(path, new HashSet<>(Arrays.asList(options)));
    }

    /** {@link FileChannel#open(Path, Set, FileAttribute...)}, wrapped. */
    public static ZeroCopyFileChannel open(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs) throws IOException {
        FileChannel ch = FileChannel.open(path, options, attrs);
        try {
            // The options say how it was opened (as FileChannel.open reads them): no need to ask the kernel.
            boolean append = options.contains(StandardOpenOption.APPEND);
            boolean write = append || options.contains(StandardOpenOption.WRITE);
            boolean read = options.contains(StandardOpenOption.READ) || !write;
            int known = (read ? HeldFd.READABLE : 0) | (write ? HeldFd.WRITABLE : 0)
                    | (append ? HeldFd.APPEND : 0) | HeldFd.PARTIAL;
            return wrap(ch, known);
        } catch (IOException | RuntimeException | Error e) {
            ch.close();
            throw e;
        }
    }

    /**
     * Wraps {@code channel}, which the result then owns: closing the result closes it. A
     * ZeroCopyFileChannel is returned as is. A FileChannel that is not the JDK's (so has no file
     * descriptor) is wrapped too; its transfers then use a Java copy loop.
     *
     * @throws ClosedChannelException if {@code channel} is closed
     */
    public static ZeroCopyFileChannel wrap(FileChannel channel) throws IOException {
        return wrap(channel, -1);
    }

    /** known: description bits from the open options, or -1 to ask the kernel. */
    private static ZeroCopyFileChannel wrap(FileChannel channel, int known) throws IOException {
        Objects.requireNonNull(channel, "channel");
        if (channel instanceof ZeroCopyFileChannel) {
            return (ZeroCopyFileChannel) channel;
        }
        if (!channel.isOpen()) {
            throw new ClosedChannelException();
        }
        // isAvailable() first: it loads the library that FdAccess's native methods live in.
        int jdkFd = NativeZeroCopy.isAvailable() && HeldFd.isJdkChannel(channel)
                ? FdAccess.channelFd(channel) : FdAccess.NO_FD_FIELD;
        if (jdkFd < 0) {
            return new ZeroCopyFileChannel(channel, -1, 0);
        }
        long r = NativeLibrary.shim().zc_chan_dup(jdkFd, known < 0 ? 1 : 0);
        if (r < 0) {
            throw Errors.ofSyscall(r, "fcntl", jdkFd);
        }
        if (!channel.isOpen()) {
            NativeLibrary.shim().zc_chan_close((int) r);
            throw new ClosedChannelException();
        }
        return new ZeroCopyFileChannel(channel, (int) r, known < 0 ? (int) (r >>> 32) : known);
    }

    /**
     * Makes this channel's transfers take {@code method} with no fallback (null: choose
     * automatically, the default). A method forced on the thread with
     * {@link ZeroCopyChannels#forceMethod} takes precedence.
     */
    public void forceMethod(TransferMethod method) {
        this.method = method;
    }

    /** The method forced on this channel, or null. */
    TransferMethod forcedMethod() {
        return method;
    }

    FileChannel delegate() {
        return delegate;
    }

    /**
     * The descriptor for {@code Fds.of(channel)}: the channel's own, valid while it is open.
     *
     * @throws ClosedChannelException if the channel is closed
     * @throws IllegalArgumentException if the wrapped channel is not the JDK's, so has no fd
     */
    int descriptor() throws ClosedChannelException {
        ensureOpen();
        if (fd < 0) {
            throw new IllegalArgumentException(delegate.getClass().getName() + " is not a JDK channel with a file descriptor");
        }
        return fd;
    }

    /**
     * Pins the fd for one native call (HeldFd's representation; HeldFd.NONE without an fd). With
     * needKind, the kind is filled in (asked of the kernel once) if the options did not tell.
     */
    long acquire(boolean needKind) throws IOException {
        while (true) {
            long s = state.get();
            if ((s & CLOSED) != 0) {
                throw new java.nio.channels.AsynchronousCloseException(); // open when the transfer began
            }
            if (state.compareAndSet(s, s + 1)) {
                break;
            }
        }
        if (!delegate.isOpen()) {
            // Closed behind our back (the wrapped channel closed directly): our duplicate would
            // still work, the channel must not.
            release();
            throw new java.nio.channels.AsynchronousCloseException();
        }
        if (fd < 0) {
            return HeldFd.NONE;
        }
        int d = desc;
        if (needKind && (d & HeldFd.PARTIAL) != 0) {
            long r = NativeLibrary.shim().zc_chan_describe(fd);
            if (r < 0) {
                release();
                throw Errors.ofSyscall(r, "fcntl", fd);
            }
            desc = d = (int) r;
        }
        return HeldFd.of(fd, d);
    }

    void release() {
        if (state.decrementAndGet() == CLOSED) {
            closeFd();
        }
    }

    private void closeFd() {
        if (fdCloser != null) {
            fdCloser.clean();
        }
    }

    @Override
    protected void implCloseChannel() throws IOException {
        try {
            delegate.close();
        } finally {
            long s;
            do {
                s = state.get();
            } while (!state.compareAndSet(s, s | CLOSED));
            if (s == 0) {
                closeFd(); // no transfer in flight; otherwise the last one closes it
            }
        }
    }

    private void ensureOpen() throws ClosedChannelException {
        if (!isOpen()) {
            throw new ClosedChannelException();
        }
    }

    /**
     * The wrapped channel closed itself because this thread was interrupted in one of its
     * operations: this channel closes too, as the JDK's FileChannel would.
     */
    private ClosedByInterruptException closedByInterrupt(ClosedByInterruptException e) {
        try {
            close();
        } catch (IOException suppressed) {
            e.addSuppressed(suppressed);
        }
        return e;
    }

    /** {@link ZeroCopyChannels#transferTo}, with this channel's interrupt and close semantics. */
    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
        Objects.requireNonNull(target, "target");
        ensureOpen(); // closed before the call: ClosedChannelException, not AsynchronousCloseException
        if (!NativeZeroCopy.isAvailable()) {
            try {
                return delegate.transferTo(position, count, target);
            } catch (ClosedByInterruptException e) {
                throw closedByInterrupt(e);
            }
        }
        boolean completed = false;
        try {
            begin();
            long n = ChannelTransferTo.transfer(this, position, count, target);
            completed = true;
            return n;
        } catch (ClosedByInterruptException e) {
            completed = true; // both channels are closed already; end() must not restate it as an asynchronous close
            throw e;
        } finally {
            endTransfer(completed, target);
        }
    }

    /** {@link ZeroCopyChannels#transferFrom}, with this channel's interrupt and close semantics. */
    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
        Objects.requireNonNull(src, "src");
        ensureOpen();
        if (!NativeZeroCopy.isAvailable()) {
            try {
                return delegate.transferFrom(src, position, count);
            } catch (ClosedByInterruptException e) {
                throw closedByInterrupt(e);
            }
        }
        boolean completed = false;
        try {
            begin();
            long n = ChannelTransferFrom.transfer(src, this, position, count);
            completed = true;
            return n;
        } catch (ClosedByInterruptException e) {
            completed = true;
            throw e;
        } finally {
            endTransfer(completed, src);
        }
    }

    /** end(), and when an interrupt closed this channel during the transfer, the other channel on JDK 22+. */
    private void endTransfer(boolean completed, Channel other) throws IOException {
        try {
            end(completed);
        } catch (ClosedByInterruptException e) {
            Interrupts.closeOther(other);
            throw e;
        }
    }

    // ---- everything else is the delegate's; an interrupt there closes this channel too

    @Override
    public int read(ByteBuffer dst) throws IOException {
        ensureOpen();
        try {
            return delegate.read(dst);
        } catch (ClosedByInterruptException e) {
            throw closedByInterrupt(e);
        }
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        ensureOpen();
        try {
            return delegate.read(dsts, offset, length);
        } catch (ClosedByInterruptException e) {
            throw closedByInterrupt(e);
        }
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        ensureOpen();
        try {
            return delegate.write(src);
        } catch (ClosedByInterruptException e) {
            throw closedByInterrupt(e);
        }
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        ensureOpen();
        try {
            return delegate.write(srcs, offset, length);
        } catch (ClosedByInterruptException e) {
            throw closedByInterrupt(e);
        }
    }

    @Override
    public long position() throws IOException {
        ensureOpen();
        try {
            return delegate.position();
        } catch (ClosedByInterruptException e) {
            throw closedByInterrupt(e);
        }
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
        ensureOpen();
        try {
            delegate.position(newPosition);
        } catch (ClosedByInterruptException e) {
            throw closedByInterrupt(e);
        }
        return this;
    }

    @Override
    public long size() throws IOException {
        ensureOpen();
        try {
            return delegate.size();
        } catch (ClosedByInterruptException e) {
            throw closedByInterrupt(e);
        }
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        ensureOpen();
        try {
            delegate.truncate(size);
        } catch (ClosedByInterruptException e) {
            throw closedByInterrupt(e);
        }
        return this;
    }

    @Override
    public void force(boolean metaData) throws IOException {
        ensureOpen();
        try {
            delegate.force(metaData);
        } catch (ClosedByInterruptException e) {
            throw closedByInterrupt(e);
        }
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        ensureOpen();
        try {
            return delegate.read(dst, position);
        } catch (ClosedByInterruptException e) {
            throw closedByInterrupt(e);
        }
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        ensureOpen();
        try {
            return delegate.write(src, position);
        } catch (ClosedByInterruptException e) {
            throw closedByInterrupt(e);
        }
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
        ensureOpen();
        try {
            return delegate.map(mode, position, size);
        } catch (ClosedByInterruptException e) {
            throw closedByInterrupt(e);
        }
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
        ensureOpen();
        try {
            return delegate.lock(position, size, shared);
        } catch (ClosedByInterruptException e) {
            throw closedByInterrupt(e);
        }
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
        ensureOpen();
        try {
            return delegate.tryLock(position, size, shared);
        } catch (ClosedByInterruptException e) {
            throw closedByInterrupt(e);
        }
    }

    @Override
    public String toString() {
        return "ZeroCopyFileChannel[" + delegate + "]";
    }
}
