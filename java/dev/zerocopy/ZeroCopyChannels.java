package dev.zerocopy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.Pipe;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.WritableByteChannel;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.LongAdder;

import dev.zerocopy.ShimBinding.Shim;

/**
 * {@link FileChannel#transferTo} and {@link FileChannel#transferFrom} with the same contract, over
 * the fastest kernel path for the pair of channels. Switching is one line:
 * <pre>{@code
 * long n = file.transferTo(pos, count, socket);                          // before
 * long n = ZeroCopyChannels.transferTo(file, pos, count, socket);        // after
 * }</pre>
 * or open the file with {@link ZeroCopyFileChannel#open} and keep calling {@code transferTo}.
 *
 * <h2>Paths</h2>
 * <table>
 * <caption>path tried first, then the next when the kernel refuses</caption>
 * <tr><th>transferTo target</th><th>order</th></tr>
 * <tr><td>socket, pipe, other fd</td><td>sendfile, splice, read+write</td></tr>
 * <tr><td>file</td><td>copy_file_range, sendfile, read+write</td></tr>
 * <tr><td>O_APPEND file</td><td>the same; the refusals are learnt on the first call</td></tr>
 * <tr><td>no fd (user channel, TLS)</td><td>a Java loop over a per-thread direct buffer</td></tr>
 * <tr><th>transferFrom source</th><th>order</th></tr>
 * <tr><td>socket, pipe</td><td>splice socket -&gt; pipe -&gt; file at the position (a zero-copy
 *     receive NIO does not have), then a Java loop</td></tr>
 * <tr><td>file</td><td>copy_file_range at both offsets, then a Java loop</td></tr>
 * </table>
 * A refusal (EINVAL, EXDEV, EBADF from an O_APPEND target, ENOSYS, EPERM or EOPNOTSUPP as a
 * seccomp filter answers) moves on to the next path; nothing is lost, bytes moved before the
 * refusal are counted. ENOSYS, EPERM and EOPNOTSUPP, and any refusal for an O_APPEND file, are
 * remembered for that {@link ChannelKind} only, and later calls skip the path; EXDEV and EINVAL
 * depend on the pair of files and are not remembered. What happened is visible:
 * {@link #fallbackCount()}, {@link #refusedTransferTo(ChannelKind)},
 * {@link #refusedTransferFrom(ChannelKind)}, {@link #lastMethod()} and {@link #lastKind()}.
 * Other errors (EPIPE, ECONNRESET, ENOSPC, EIO, ...) are thrown as {@link ErrnoException} whose
 * {@link ErrnoException#bytesTransferred()} counts every byte this call moved.
 *
 * <h2>Forcing a path</h2>
 * {@link #forceMethod(TransferMethod)} (this thread) or
 * {@link ZeroCopyFileChannel#setTransferMethod(TransferMethod)} (one channel) makes the same code take
 * exactly one path, with no fallback: a refusal is thrown. transferFrom takes SPLICE,
 * COPY_FILE_RANGE (file sources) and READ_WRITE (the Java loop); SENDFILE and MMAP_WRITE cannot
 * write at an explicit file position and throw {@link UnsupportedOperationException}.
 *
 * <h2>Descriptor lifetime (HAZARDS 13)</h2>
 * A native call never uses a number the channel could close under it. A
 * {@link ZeroCopyFileChannel} keeps its own duplicate of the file's descriptor, closed only when
 * the channel is closed and no transfer is in flight. Any other channel (a JDK FileChannel,
 * SocketChannel or Pipe end) is duplicated with F_DUPFD_CLOEXEC for the duration of the call,
 * after which the channel is checked to be still open: a close from another thread may free the
 * channel's number and the JVM may reuse it, but our bytes go to the duplicate, which still names
 * the original file or socket. The cost is a dup and a close per call (two syscalls, about 0.3 us).
 * Each native call moves at most {@value #CHUNK_MIB} MiB; between calls both channels are checked
 * and a transfer whose channel was closed returns the bytes moved so far (or throws
 * ClosedChannelException if none). What cannot be done from outside the JDK: a blocking socket
 * whose peer stopped reading keeps the native call (and, through the duplicate, the connection)
 * alive until the peer reads or resets, because close(2) does not wake a thread blocked in
 * sendfile and the JDK only signals its own threads. Use shutdownOutput(), which does wake it, or
 * non-blocking sockets. Likewise a transferFrom blocked on a blocking socket with no data waits
 * for data or end of stream; shutdownInput() wakes it.
 *
 * <p>Interrupts: {@link ZeroCopyFileChannel} closes itself and throws ClosedByInterruptException
 * when its thread is interrupted, as the JDK's FileChannel does. The static methods on a JDK
 * FileChannel cannot register with that channel's interrupt machinery: an interrupt is noticed
 * only by the channels' own later operations.
 *
 * <p>Falls back to the JDK's own transferTo/transferFrom when the native library is not available.
 */
public final class ZeroCopyChannels {
    static final int CHUNK_MIB = 8;
    /** Bytes per native call: bounds how long a close from another thread waits to be honoured. */
    static final long CHUNK = (long) CHUNK_MIB << 20;
    /** Size of the per-thread direct buffer of the Java copy loops. */
    static final int BUFFER_SIZE = 64 * 1024;

    // Bits of a description; must match native/zc_channels.c.
    static final int DESC_READABLE = 0x1;
    static final int DESC_WRITABLE = 0x2;
    static final int DESC_APPEND = 0x4;
    static final int DESC_NONBLOCK = 0x8;
    /** Java only: access mode and O_APPEND are known from the open options, the kind is not yet. */
    static final int DESC_PARTIAL = 0x20;
    static final int DESC_KIND_SHIFT = 8;
    private static final int KIND_FILE = 1;
    private static final int KIND_FIFO = 2;
    private static final int KIND_SOCKET = 3;
    /** What a SocketChannel is described as without asking the kernel. */
    private static final int SOCKET_DESC = DESC_READABLE | DESC_WRITABLE | (KIND_SOCKET << DESC_KIND_SHIFT);
    private static final int PIPE_DESC = DESC_READABLE | DESC_WRITABLE | (KIND_FIFO << DESC_KIND_SHIFT);
    /**
     * JDK 21 changed transferFrom's spec (JDK-8303260): a position past the end of the file grows
     * it, where JDK 17 returns 0. This class follows the JDK it runs on.
     */
    static final boolean TRANSFER_FROM_GROWS = Runtime.version().feature() >= 21;
    /** A held channel without a usable fd. */
    static final long NO_FD = -1L;

    private static final TransferMethod[] STREAM_PLAN = {TransferMethod.SENDFILE, TransferMethod.SPLICE, TransferMethod.READ_WRITE};
    private static final TransferMethod[] FILE_PLAN = {TransferMethod.COPY_FILE_RANGE, TransferMethod.SENDFILE, TransferMethod.READ_WRITE};

    private static final int KINDS = ChannelKind.values().length;
    /** Methods the kernel refused for good, a bit per TransferMethod: [0, KINDS) transferTo, [KINDS, 2 KINDS) transferFrom. */
    private static final AtomicIntegerArray REFUSED = new AtomicIntegerArray(2 * KINDS);
    private static final LongAdder FALLBACKS = new LongAdder();

    private static final ThreadLocal<State> STATE = ThreadLocal.withInitial(State::new);

    /** Per-thread state: the forced method, what the last call did, the copy buffer. */
    static final class State {
        TransferMethod forced;
        TransferMethod last;
        ChannelKind lastKind;
        private ByteBuffer buffer;

        ByteBuffer buffer() {
            if (buffer == null) {
                buffer = ByteBuffer.allocateDirect(BUFFER_SIZE);
            }
            return buffer.clear();
        }
    }

    private ZeroCopyChannels() {
    }

    // ------------------------------------------------------------------ public API

    /**
     * {@link FileChannel#transferTo(long, long, WritableByteChannel)} with its contract: reads
     * {@code src} from {@code position} without moving its position, writes at {@code target}'s
     * position and advances it, returns the bytes moved (0 when {@code position} is at or past the
     * end of the file, fewer than {@code count} at end of file or when a non-blocking target is
     * full; never a byte written past the count returned).
     *
     * @throws ClosedChannelException if either channel is closed
     * @throws NonReadableChannelException if {@code src} was not opened for reading
     * @throws NonWritableChannelException if {@code target} is a file not opened for writing
     * @throws IllegalArgumentException if {@code position} or {@code count} is negative
     * @throws UnsupportedOperationException if a forced method cannot serve this pair (e.g.
     *     COPY_FILE_RANGE to a socket, or any native method to a channel without an fd)
     * @throws IOException on an I/O error: an {@link ErrnoException} for a failed syscall, carrying
     *     the bytes this call moved before it
     */
    public static long transferTo(FileChannel src, long position, long count, WritableByteChannel target) throws IOException {
        Objects.requireNonNull(src, "src");
        Objects.requireNonNull(target, "target");
        if (!NativeZeroCopy.isAvailable()) {
            return unwrap(src).transferTo(position, count, target);
        }
        State st = STATE.get();
        return transferTo(src, position, count, target, effective(st, src), st);
    }

    /**
     * {@link FileChannel#transferFrom(ReadableByteChannel, long, long)} with its contract: writes
     * into {@code dst} at {@code position} without moving its position (a position past its size
     * returns 0 on JDK 17 and grows the file on JDK 21+, as the running JDK's FileChannel does), reads {@code src} at its position and advances it,
     * returns the bytes written. Stops at {@code count}, at end of stream, or when a non-blocking
     * {@code src} has no more bytes (possibly 0). Never reads more than {@code count} bytes from
     * {@code src}.
     *
     * <p>Bytes taken from a socket are always written to {@code dst} before more are taken. If
     * writing them fails (ENOSPC, EFBIG, EIO), the {@link ErrnoException} thrown says in
     * {@link ErrnoException#bytesTransferred()} how many reached the file and in its message how
     * many were taken from the socket and lost with the failure; the stream cannot be resumed.
     *
     * @throws ClosedChannelException if either channel is closed
     * @throws NonWritableChannelException if {@code dst} was not opened for writing
     * @throws NonReadableChannelException if {@code src} is a file not opened for reading
     * @throws IllegalArgumentException if {@code position} or {@code count} is negative
     * @throws UnsupportedOperationException if a forced method cannot serve this pair
     * @throws IOException on an I/O error, as for transferTo
     */
    public static long transferFrom(ReadableByteChannel src, FileChannel dst, long position, long count) throws IOException {
        Objects.requireNonNull(src, "src");
        Objects.requireNonNull(dst, "dst");
        if (!NativeZeroCopy.isAvailable()) {
            return unwrap(dst).transferFrom(src, position, count);
        }
        State st = STATE.get();
        return transferFrom(src, dst, position, count, effective(st, dst), st);
    }

    /**
     * Makes every transfer of this thread take {@code method} (null: choose automatically) until
     * the returned scope is closed, which restores the previous choice. Takes precedence over
     * {@link ZeroCopyFileChannel#setTransferMethod}.
     * <pre>{@code
     * try (var forced = ZeroCopyChannels.forceMethod(TransferMethod.SPLICE)) {
     *     file.transferTo(0, n, socket);   // unchanged code, now splice
     * }
     * }</pre>
     */
    public static MethodScope forceMethod(TransferMethod method) {
        State st = STATE.get();
        MethodScope scope = new MethodScope(st, st.forced);
        st.forced = method;
        return scope;
    }

    /** The method this thread is forced to, or null. */
    public static TransferMethod forcedMethod() {
        return STATE.get().forced;
    }

    /** Restores the forced method that was in effect before {@link #forceMethod}. */
    public static final class MethodScope implements AutoCloseable {
        private final State state;
        private final TransferMethod previous;

        private MethodScope(State state, TransferMethod previous) {
            this.state = state;
            this.previous = previous;
        }

        @Override
        public void close() {
            state.forced = previous;
        }
    }

    /**
     * The path that moved the bytes of this thread's last transfer (READ_WRITE also names the Java
     * loop for channels without an fd, see {@link #lastKind()}), or null if it moved nothing
     * natively or fell back to the JDK.
     */
    public static TransferMethod lastMethod() {
        return STATE.get().last;
    }

    /** The kind of the other end of this thread's last transfer (target of transferTo, source of transferFrom). */
    public static ChannelKind lastKind() {
        return STATE.get().lastKind;
    }

    /** Transfers, over all threads, that moved on to a later path because the kernel refused one. */
    public static long fallbackCount() {
        return FALLBACKS.sum();
    }

    /** The methods the kernel refused for good for transferTo to this kind, and which are now skipped. */
    public static Set<TransferMethod> refusedTransferTo(ChannelKind kind) {
        return refused(0, kind);
    }

    /** The methods the kernel refused for good for transferFrom from this kind. */
    public static Set<TransferMethod> refusedTransferFrom(ChannelKind kind) {
        return refused(KINDS, kind);
    }

    /** Forgets every remembered refusal (e.g. after a seccomp policy changed); the next calls probe again. */
    public static void resetRefusals() {
        for (int i = 0; i < REFUSED.length(); i++) {
            REFUSED.set(i, 0);
        }
    }

    // ------------------------------------------------------------------ transferTo

    static long transferTo(FileChannel src, long position, long count, WritableByteChannel target,
                           TransferMethod forced, State st) throws IOException {
        if (!src.isOpen() || !target.isOpen()) {
            throw new ClosedChannelException();
        }
        st.last = null;
        long in = hold(src, false);
        try {
            int inFd = (int) in;
            if (inFd >= 0 && (desc(in) & DESC_READABLE) == 0) {
                throw new NonReadableChannelException();
            }
            long out = hold(target, true);
            try {
                int outFd = (int) out;
                if (outFd >= 0 && target instanceof FileChannel && (desc(out) & DESC_WRITABLE) == 0) {
                    throw new NonWritableChannelException();
                }
                if (position < 0 || count < 0) {
                    throw new IllegalArgumentException("position " + position + ", count " + count);
                }
                if (target instanceof SocketChannel && !((SocketChannel) target).isConnected()) {
                    throw new NotYetConnectedException();
                }
                // As FileChannel.transferTo does: the count is capped at the size seen on entry, so a
                // source that grows meanwhile (or is the target itself) is not read past it. Size 0 may
                // be procfs, whose files claim 0 and are read to their end (see nativeTo).
                long size = src.size();
                if (size > 0) {
                    count = Math.min(count, Math.max(0, size - position));
                }
                ChannelKind kind = outFd >= 0 ? kindOf(desc(out)) : ChannelKind.NO_FD;
                st.lastKind = kind;
                if (inFd < 0 || outFd < 0) {
                    if (forced != null && forced != TransferMethod.READ_WRITE) {
                        throw new UnsupportedOperationException(forced + " needs file descriptors on both ends; "
                                + (inFd < 0 ? src : target).getClass().getName() + " has none");
                    }
                    return copyTo(src, position, count, target, st);
                }
                return nativeTo(src, inFd, size, position, count, target, outFd, kind, forced, st);
            } finally {
                release(target, out);
            }
        } finally {
            release(src, in);
        }
    }

    private static long nativeTo(FileChannel src, int inFd, long size, long position, long count, WritableByteChannel target,
                                 int outFd, ChannelKind kind, TransferMethod forced, State st) throws IOException {
        TransferMethod[] plan = kind == ChannelKind.FILE || kind == ChannelKind.APPEND_FILE ? FILE_PLAN : STREAM_PLAN;
        int step = 0;
        long done = 0;
        while (done < count) {
            long chunk = Math.min(count - done, CHUNK);
            long moved = 0;
            while (true) {
                TransferMethod m = forced;
                if (m == null) {
                    while (plan[step] != TransferMethod.READ_WRITE && isRefused(0, kind, plan[step])) {
                        step++;
                    }
                    m = plan[step];
                }
                try {
                    moved += NativeZeroCopy.transfer(m, inFd, outFd, position + done + moved, chunk - moved);
                    st.last = m;
                    break;
                } catch (ErrnoException e) {
                    moved += e.bytesTransferred();
                    if (forced != null || m == TransferMethod.READ_WRITE || !isRefusal(e)) {
                        throw withTotal(e, done + moved);
                    }
                    refuse(0, kind, m, e);
                    step++;
                }
            }
            done += moved;
            if (moved < chunk || !src.isOpen() || !target.isOpen()) {
                break;
            }
        }
        if (done == 0 && count > 0 && forced == null && size == 0) {
            // procfs and sysfs files claim size 0 and some refuse or shortcut the in-kernel paths;
            // read them as JDK 21+ does, with a plain read+write (JDK 17 returns 0 here).
            done = NativeZeroCopy.readWrite(inFd, outFd, position, count);
            st.last = TransferMethod.READ_WRITE;
        }
        return done;
    }

    /** The JDK's transferToArbitraryChannel, over a reused direct buffer. */
    private static long copyTo(FileChannel src, long position, long count, WritableByteChannel target, State st) throws IOException {
        ByteBuffer bb = st.buffer();
        long done = 0;
        while (done < count) {
            bb.clear().limit((int) Math.min(count - done, bb.capacity()));
            int nr = src.read(bb, position + done);
            if (nr <= 0) {
                break;
            }
            bb.flip();
            int nw = target.write(bb);
            done += nw;
            if (nw != nr) {
                break; // a non-blocking target took less: the rest of the buffer is not counted
            }
        }
        st.last = TransferMethod.READ_WRITE;
        return done;
    }

    // ------------------------------------------------------------------ transferFrom

    static long transferFrom(ReadableByteChannel src, FileChannel dst, long position, long count,
                             TransferMethod forced, State st) throws IOException {
        if (!dst.isOpen() || !src.isOpen()) {
            throw new ClosedChannelException();
        }
        st.last = null;
        long out = hold(dst, false);
        try {
            int outFd = (int) out;
            if (outFd >= 0 && (desc(out) & DESC_WRITABLE) == 0) {
                throw new NonWritableChannelException();
            }
            if (position < 0 || count < 0) {
                throw new IllegalArgumentException("position " + position + ", count " + count);
            }
            if (forced == TransferMethod.SENDFILE || forced == TransferMethod.MMAP_WRITE) {
                throw new UnsupportedOperationException(forced + " cannot write at an explicit file position: "
                        + "transferFrom takes SPLICE, COPY_FILE_RANGE or READ_WRITE");
            }
            if (!TRANSFER_FROM_GROWS && position > dst.size()) {
                return 0;
            }
            if (src instanceof SocketChannel && !((SocketChannel) src).isConnected()) {
                throw new NotYetConnectedException();
            }
            long in = hold(src, true);
            try {
                int inFd = (int) in;
                if (src instanceof FileChannel && inFd >= 0 && (desc(in) & DESC_READABLE) == 0) {
                    throw new NonReadableChannelException();
                }
                ChannelKind kind = inFd >= 0 ? kindOf(desc(in)) : ChannelKind.NO_FD;
                st.lastKind = kind;
                boolean append = outFd >= 0 && (desc(out) & DESC_APPEND) != 0;
                if (inFd < 0 || outFd < 0 || forced == TransferMethod.READ_WRITE || (forced == null && append)) {
                    // An O_APPEND dst: the positional write appends (pwrite(2) BUGS), as the JDK's does.
                    if (forced != null && forced != TransferMethod.READ_WRITE) {
                        throw new UnsupportedOperationException(forced + " needs file descriptors on both ends");
                    }
                    return src instanceof FileChannel ? copyFromFile((FileChannel) src, dst, position, count, 0, st)
                            : copyFrom(src, dst, position, count, st);
                }
                if (src instanceof FileChannel) {
                    return nativeFromFile((FileChannel) src, inFd, dst, outFd, position, count, kind, forced, st);
                }
                return nativeFromStream(src, inFd, dst, outFd, position, count, kind, forced, st);
            } finally {
                release(src, in);
            }
        } finally {
            release(dst, out);
        }
    }

    private static long nativeFromFile(FileChannel src, int inFd, FileChannel dst, int outFd, long position, long count,
                                       ChannelKind kind, TransferMethod forced, State st) throws IOException {
        long start = src.position();
        long done = 0;
        TransferMethod m = forced != null ? forced : TransferMethod.COPY_FILE_RANGE;
        if (forced == null && isRefused(KINDS, kind, m)) {
            return copyFromFile(src, dst, position, count, 0, st);
        }
        try {
            while (done < count) {
                long chunk = Math.min(count - done, CHUNK);
                long n;
                if (m == TransferMethod.SPLICE) {
                    src.position(start + done); // splice reads (and moves) the file position of src
                    n = spliceFrom(inFd, outFd, position + done, chunk, false);
                } else {
                    n = Errors.check(shim().zc_copy_file_range_at(inFd, start + done, outFd, position + done, chunk),
                            "copy_file_range", inFd, outFd, start + done, chunk);
                }
                st.last = m;
                done += n;
                if (n < chunk || !src.isOpen() || !dst.isOpen()) {
                    break;
                }
            }
        } catch (ErrnoException e) {
            done += e.bytesTransferred();
            if (forced != null || !isRefusal(e)) {
                setPosition(src, start + done);
                throw withTotal(e, done);
            }
            refuse(KINDS, kind, m, e);
            return copyFromFile(src, dst, position, count, done, st); // sets the position
        }
        if (done == 0 && count > 0 && forced == null && src.size() == 0) {
            return copyFromFile(src, dst, position, count, 0, st); // procfs, as in transferTo
        }
        src.position(start + done);
        return done;
    }

    private static long nativeFromStream(ReadableByteChannel src, int inFd, FileChannel dst, int outFd, long position, long count,
                                         ChannelKind kind, TransferMethod forced, State st) throws IOException {
        if (forced == TransferMethod.COPY_FILE_RANGE) {
            throw new UnsupportedOperationException("COPY_FILE_RANGE reads files only, not " + src.getClass().getName());
        }
        if (forced == null && isRefused(KINDS, kind, TransferMethod.SPLICE)) {
            return copyFrom(src, dst, position, count, st);
        }
        boolean pipe = kind == ChannelKind.PIPE;
        long done = 0;
        try {
            while (done < count) {
                long chunk = Math.min(count - done, CHUNK);
                long n = spliceFrom(inFd, outFd, position + done, chunk, pipe);
                st.last = TransferMethod.SPLICE;
                done += n;
                if (n < chunk || !src.isOpen() || !dst.isOpen()) {
                    break;
                }
            }
        } catch (ErrnoException e) {
            done += e.bytesTransferred();
            long lost = shim().zc_splice_from_lost();
            if (forced != null || lost > 0 || !isRefusal(e)) {
                throw lost > 0 ? lostBytes(e, done, lost) : withTotal(e, done);
            }
            // Refused before a byte was taken from src: carry on with a plain loop.
            refuse(KINDS, kind, TransferMethod.SPLICE, e);
            return done + copyFrom(src, dst, position + done, count - done, st);
        }
        return done;
    }

    private static long spliceFrom(int inFd, int outFd, long offset, long length, boolean pipe) throws ErrnoException {
        return Errors.check(shim().zc_splice_from(inFd, outFd, offset, length, pipe ? 1 : 0),
                "splice", inFd, outFd, offset, length);
    }

    /** The JDK's transferFromFileChannel as a positional read/write loop; moves src's position past what was written. */
    private static long copyFromFile(FileChannel src, FileChannel dst, long position, long count, long done, State st) throws IOException {
        long base = src.position(); // where this transfer started: nothing has moved it yet
        ByteBuffer bb = st.buffer();
        try {
            while (done < count) {
                bb.clear().limit((int) Math.min(count - done, bb.capacity()));
                int nr = src.read(bb, base + done);
                if (nr <= 0) {
                    break;
                }
                bb.flip();
                while (bb.hasRemaining()) {
                    done += dst.write(bb, position + done);
                }
            }
        } finally {
            setPosition(src, base + done);
        }
        st.last = TransferMethod.READ_WRITE;
        return done;
    }

    /** The JDK's transferFromArbitraryChannel over a reused direct buffer. */
    private static long copyFrom(ReadableByteChannel src, FileChannel dst, long position, long count, State st) throws IOException {
        ByteBuffer bb = st.buffer();
        long done = 0;
        while (done < count) {
            bb.clear().limit((int) Math.min(count - done, bb.capacity()));
            int nr = src.read(bb);
            if (nr <= 0) {
                break;
            }
            bb.flip();
            while (bb.hasRemaining()) {
                done += dst.write(bb, position + done);
            }
        }
        st.last = TransferMethod.READ_WRITE;
        return done;
    }

    // ------------------------------------------------------------------ holding descriptors

    /**
     * Holds ch's descriptor for one call: {@code desc << 32 | fd}, or NO_FD for a channel whose
     * fd we must not or cannot use. A ZeroCopyFileChannel is pinned by its in-flight count; any
     * other JDK channel is duplicated, then checked to be still open (closing marks a channel
     * closed before its fd is closed, so an open channel after the dup means the dup names its file).
     */
    private static long hold(Channel ch, boolean needKind) throws IOException {
        if (ch instanceof ZeroCopyFileChannel) {
            return ((ZeroCopyFileChannel) ch).acquire(needKind);
        }
        // Only the JDK's own classes: a user channel with a field named fd must get its write() called.
        if (!isJdkChannel(ch)) {
            return NO_FD;
        }
        int fd = FdAccess.channelFd(ch);
        if (fd == FdAccess.NO_FD_FIELD) {
            return NO_FD;
        }
        if (fd < 0) {
            throw new ClosedChannelException();
        }
        boolean known = ch instanceof SocketChannel || ch instanceof Pipe.SinkChannel || ch instanceof Pipe.SourceChannel;
        long r = shim().zc_chan_dup(fd, known ? 0 : 1);
        if (r < 0) {
            if (!ch.isOpen()) {
                throw new ClosedChannelException();
            }
            Errors.check(r, "fcntl(F_DUPFD_CLOEXEC)", fd, -1, 0, 0);
        }
        int dup = (int) r;
        if (!ch.isOpen()) {
            shim().zc_chan_close(dup);
            throw new ClosedChannelException();
        }
        long desc = known ? (ch instanceof SocketChannel ? SOCKET_DESC : PIPE_DESC) : r >>> 32;
        return desc << 32 | (dup & 0xffffffffL);
    }

    /** Whether ch is one of the JDK's own channel classes (cached per class). */
    static boolean isJdkChannel(Object ch) {
        return JDK_CLASS.get(ch.getClass());
    }

    private static final ClassValue<Boolean> JDK_CLASS = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            return type.getName().startsWith("sun.nio.ch.");
        }
    };

    private static void release(Channel ch, long held) {
        if (ch instanceof ZeroCopyFileChannel) {
            ((ZeroCopyFileChannel) ch).release();
        } else if ((int) held >= 0) {
            shim().zc_chan_close((int) held);
        }
    }

    static int desc(long held) {
        return (int) (held >>> 32);
    }

    static ChannelKind kindOf(int desc) {
        switch (desc >>> DESC_KIND_SHIFT) {
            case KIND_FILE:
                return (desc & DESC_APPEND) != 0 ? ChannelKind.APPEND_FILE : ChannelKind.FILE;
            case KIND_FIFO:
                return ChannelKind.PIPE;
            case KIND_SOCKET:
                return ChannelKind.SOCKET;
            default:
                return ChannelKind.OTHER;
        }
    }

    // ------------------------------------------------------------------ fallbacks

    /** Errors that mean "not this path" rather than "this transfer failed". */
    private static boolean isRefusal(ErrnoException e) {
        switch (e.errnoName()) {
            case "EINVAL": case "EXDEV": case "EBADF": case "ENOSYS": case "EPERM": case "EOPNOTSUPP": case "ENODEV": case "ESPIPE":
                return true;
            default:
                return false;
        }
    }

    /** Counts a fallback and remembers the refusals that hold for the whole kind. */
    private static void refuse(int table, ChannelKind kind, TransferMethod m, ErrnoException e) {
        FALLBACKS.increment();
        String name = e.errnoName();
        boolean forGood = name.equals("ENOSYS") || name.equals("EPERM") || name.equals("EOPNOTSUPP")
                || (kind == ChannelKind.APPEND_FILE && (name.equals("EINVAL") || name.equals("EBADF")));
        if (forGood) {
            int i = table + kind.ordinal();
            int bit = 1 << m.ordinal();
            int v;
            do {
                v = REFUSED.get(i);
            } while ((v & bit) == 0 && !REFUSED.compareAndSet(i, v, v | bit));
        }
    }

    private static boolean isRefused(int table, ChannelKind kind, TransferMethod m) {
        return (REFUSED.get(table + kind.ordinal()) & (1 << m.ordinal())) != 0;
    }

    private static Set<TransferMethod> refused(int table, ChannelKind kind) {
        Set<TransferMethod> set = EnumSet.noneOf(TransferMethod.class);
        for (TransferMethod m : TransferMethod.values()) {
            if (isRefused(table, Objects.requireNonNull(kind, "kind"), m)) {
                set.add(m);
            }
        }
        return set;
    }

    // ------------------------------------------------------------------ helpers

    private static ErrnoException withTotal(ErrnoException e, long total) {
        if (total == e.bytesTransferred()) {
            return e;
        }
        ErrnoException t = new ErrnoException(e.getMessage() + "; " + total + " bytes transferred by the call",
                e.errno(), e.errnoName(), e.syscall(), total);
        t.initCause(e);
        return t;
    }

    private static ErrnoException lostBytes(ErrnoException e, long total, long lost) {
        ErrnoException t = new ErrnoException(e.getMessage() + "; " + total + " bytes reached the file, " + lost
                + " more were taken from the source and lost", e.errno(), e.errnoName(), e.syscall(), total);
        t.initCause(e);
        return t;
    }

    private static void setPosition(FileChannel ch, long pos) {
        try {
            if (ch.isOpen()) {
                ch.position(pos);
            }
        } catch (IOException ignored) {
            // the failure being reported matters more than the position
        }
    }

    private static TransferMethod effective(State st, Channel fileSide) {
        if (st.forced != null) {
            return st.forced;
        }
        return fileSide instanceof ZeroCopyFileChannel ? ((ZeroCopyFileChannel) fileSide).getTransferMethod() : null;
    }

    private static FileChannel unwrap(FileChannel ch) {
        return ch instanceof ZeroCopyFileChannel ? ((ZeroCopyFileChannel) ch).delegate() : ch;
    }

    private static Shim shim() {
        return NativeLibrary.shim();
    }
}
