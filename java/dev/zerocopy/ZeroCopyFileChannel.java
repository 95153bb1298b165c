package dev.zerocopy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
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
 * {@link ZeroCopyChannels}; every other method is the wrapped channel's, unchanged. Code that
 * opens files with {@code FileChannel.open(path)} switches by changing that one call:
 * <pre>{@code
 * FileChannel file = FileChannel.open(path);            // before
 * FileChannel file = ZeroCopyFileChannel.open(path);    // after
 * }</pre>
 *
 * <p>The channel keeps a private duplicate of the file's descriptor for its native calls. It is
 * closed when the channel is closed and no transfer is in flight (or, if one is, when the last one
 * returns), so a close from another thread never lets a native call write to or read from a
 * number the process has reused (HAZARDS 13); such a transfer stops after its current chunk of
 * at most 8 MiB and returns the bytes it moved, or throws AsynchronousCloseException if none.
 * A thread interrupted during a transfer closes the channel and gets ClosedByInterruptException,
 * as with the JDK's FileChannel.
 *
 * <p>Differences from the wrapped channel: {@link FileLock#channel()} of a lock returns the
 * wrapped channel; JDK 22's {@code map(MapMode, long, long, Arena)} is not delegated (this class
 * compiles for JDK 17).
 */
public final class ZeroCopyFileChannel extends FileChannel {
    private static final long CLOSED = 1L << 62;

    private final FileChannel delegate;
    /** Our duplicate of the delegate's fd, or -1 when it has none (a FileChannel not from the JDK). */
    private final int fd;
    /** Description bits (ZeroCopyChannels.DESC_*); DESC_PARTIAL until the kernel was asked. */
    private volatile int desc;
    /** In-flight native transfers, plus CLOSED once closed; the fd is closed when it reaches CLOSED. */
    private final AtomicLong state = new AtomicLong();
    private volatile TransferMethod method;

    private ZeroCopyFileChannel(FileChannel delegate, int fd, int desc) {
        this.delegate = delegate;
        this.fd = fd;
        this.desc = desc;
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
            int known = (read ? ZeroCopyChannels.DESC_READABLE : 0) | (write ? ZeroCopyChannels.DESC_WRITABLE : 0)
                    | (append ? ZeroCopyChannels.DESC_APPEND : 0) | ZeroCopyChannels.DESC_PARTIAL;
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
        int jdkFd = NativeZeroCopy.isAvailable() && ZeroCopyChannels.isJdkChannel(channel)
                ? FdAccess.channelFd(channel) : FdAccess.NO_FD_FIELD;
        if (jdkFd < 0) {
            return new ZeroCopyFileChannel(channel, -1, 0);
        }
        long r = NativeLibrary.shim().zc_chan_dup(jdkFd, known < 0 ? 1 : 0);
        Errors.check(r, "fcntl(F_DUPFD_CLOEXEC)", jdkFd, -1, 0, 0);
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
    public void setTransferMethod(TransferMethod method) {
        this.method = method;
    }

    /** The method forced on this channel, or null. */
    public TransferMethod getTransferMethod() {
        return method;
    }

    FileChannel delegate() {
        return delegate;
    }

    /**
     * Pins the fd for one native call: {@code desc << 32 | fd} (fd -1: none). With needKind, the
     * kind is filled in (asked of the kernel once) if the options did not tell.
     */
    long acquire(boolean needKind) throws IOException {
        while (true) {
            long s = state.get();
            if ((s & CLOSED) != 0) {
                throw new ClosedChannelException();
            }
            if (state.compareAndSet(s, s + 1)) {
                break;
            }
        }
        if (!delegate.isOpen()) {
            // Closed behind our back (the wrapped channel closed directly, or by an interrupt in
            // one of its own operations): our duplicate would still work, the channel must not.
            release();
            throw new ClosedChannelException();
        }
        if (fd < 0) {
            return ZeroCopyChannels.NO_FD;
        }
        int d = desc;
        if (needKind && (d & ZeroCopyChannels.DESC_PARTIAL) != 0) {
            long r = NativeLibrary.shim().zc_chan_describe(fd);
            if (r < 0) {
                release();
                Errors.check(r, "fcntl/fstat", fd, -1, 0, 0);
            }
            desc = d = (int) r;
        }
        return (long) d << 32 | fd;
    }

    void release() {
        if (state.decrementAndGet() == CLOSED) {
            closeFd();
        }
    }

    private void closeFd() {
        if (fd >= 0) {
            NativeLibrary.shim().zc_chan_close(fd);
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

    /** {@link ZeroCopyChannels#transferTo}, with this channel's interrupt and close semantics. */
    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
        Objects.requireNonNull(target, "target");
        if (!NativeZeroCopy.isAvailable()) {
            ensureOpen();
            return delegate.transferTo(position, count, target);
        }
        ensureOpen(); // closed before the call: ClosedChannelException, not AsynchronousCloseException
        boolean completed = false;
        try {
            begin();
            long n = ZeroCopyChannels.transferTo(this, position, count, target);
            completed = true;
            return n;
        } finally {
            end(completed);
        }
    }

    /** {@link ZeroCopyChannels#transferFrom}, with this channel's interrupt and close semantics. */
    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
        Objects.requireNonNull(src, "src");
        if (!NativeZeroCopy.isAvailable()) {
            ensureOpen();
            return delegate.transferFrom(src, position, count);
        }
        ensureOpen();
        boolean completed = false;
        try {
            begin();
            long n = ZeroCopyChannels.transferFrom(src, this, position, count);
            completed = true;
            return n;
        } finally {
            end(completed);
        }
    }

    // ---- everything else is the delegate's

    @Override
    public int read(ByteBuffer dst) throws IOException {
        ensureOpen();
        return delegate.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        ensureOpen();
        return delegate.read(dsts, offset, length);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        ensureOpen();
        return delegate.write(src);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        ensureOpen();
        return delegate.write(srcs, offset, length);
    }

    @Override
    public long position() throws IOException {
        ensureOpen();
        return delegate.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
        ensureOpen();
        delegate.position(newPosition);
        return this;
    }

    @Override
    public long size() throws IOException {
        ensureOpen();
        return delegate.size();
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        ensureOpen();
        delegate.truncate(size);
        return this;
    }

    @Override
    public void force(boolean metaData) throws IOException {
        ensureOpen();
        delegate.force(metaData);
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        ensureOpen();
        return delegate.read(dst, position);
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        ensureOpen();
        return delegate.write(src, position);
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
        ensureOpen();
        return delegate.map(mode, position, size);
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
        ensureOpen();
        return delegate.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
        ensureOpen();
        return delegate.tryLock(position, size, shared);
    }

    @Override
    public String toString() {
        return "ZeroCopyFileChannel[" + delegate + "]";
    }
}
