package dev.zerocopy;

import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.Objects;
import java.util.Set;

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
 * <tr><td>no fd (user channel, TLS)</td><td>a Java loop over a pooled buffer</td></tr>
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
 * {@link #refusedTransferFrom(ChannelKind)} and {@link #lastMethod()}.
 * Other errors (EPIPE, ECONNRESET, ENOSPC, EIO, ...) are thrown as {@link ErrnoException} whose
 * {@link ErrnoException#bytesTransferred()} counts every byte this call moved.
 *
 * <h2>Forcing a path</h2>
 * {@link #forceMethod(TransferMethod)} (this thread) or
 * {@link ZeroCopyFileChannel#forceMethod(TransferMethod)} (one channel) makes the same code take
 * exactly one path, with no fallback: a refusal is thrown. transferFrom takes SPLICE,
 * COPY_FILE_RANGE (file sources) and READ_WRITE (the Java loop); SENDFILE and MMAP_WRITE cannot
 * write at an explicit file position and throw {@link UnsupportedOperationException}.
 *
 * <h2>Descriptor lifetime</h2>
 * A native call never uses a number the channel could close under it (HAZARDS 13): a
 * {@link ZeroCopyFileChannel} keeps its own duplicate of the file's descriptor, closed only when
 * the channel is closed and no transfer is in flight, so it costs no syscall per call; a JDK
 * SocketChannel in non-blocking mode is held by the JDK's own write (or read) lock, which its
 * close waits for, and a JDK FileChannel whose other end is non-blocking by the channel's set of
 * threads in I/O, as the JDK's own transfers hold it: neither costs a syscall; any other JDK
 * channel is duplicated for the call, which costs an fcntl and a close (and the close of a
 * duplicate drops the process's POSIX locks on the file, fcntl(2)). While a transfer holds a non-blocking socket's lock, the JDK's own
 * writes (reads) on that socket wait for it, as they wait for each other. Each native call moves at most 8 MiB; between calls both channels
 * and the thread's interrupt status are checked, and a transfer whose channel was closed returns
 * the bytes moved so far (or throws AsynchronousCloseException if none). A blocking socket whose
 * peer stopped reading keeps a platform thread in sendfile until the peer reads or resets:
 * close(2) does not wake it and the JDK signals only its own threads; shutdownOutput() does wake it.
 *
 * <h2>Interrupts and endless sources</h2>
 * An interrupted thread closes the file channel and, on JDK 22+, the other channel too
 * (JDK-8310902), and gets {@link ClosedByInterruptException}, as the running JDK's FileChannel
 * does. The interrupt status is looked at before the transfer and between native calls, so a
 * transfer from an endless source ({@code Long.MAX_VALUE} bytes of /dev/zero) ends when the thread
 * is interrupted or either channel is closed.
 *
 * <h2>Virtual threads (HAZARDS 16)</h2>
 * A blocking-mode socket or pipe that the JDK made non-blocking at the fd level for a virtual
 * thread gets its whole transfer, and no carrier is pinned waiting for it: the wait happens in
 * a JDK read or write of the next few bytes, which parks the virtual thread. A non-blocking
 * channel gets NIO's short count. What can still pin a
 * carrier: file-to-file copies (as the JDK's own file I/O does, without its compensation) and
 * a FileChannel opened on a FIFO or device that blocks.
 *
 * <p>Falls back to the JDK's own transferTo/transferFrom when the native library is not available.
 */
public final class ZeroCopyChannels {
    private ZeroCopyChannels() {
    }

    /**
     * {@link FileChannel#transferTo(long, long, WritableByteChannel)} with its contract: reads
     * {@code src} from {@code position} without moving its position, writes at {@code target}'s
     * position and advances it, returns the bytes moved (0 when {@code position} is at or past the
     * end of the file, fewer than {@code count} at end of file or when a non-blocking target is
     * full; never a byte written past the count returned). At most the bytes {@code src} held on
     * entry are read.
     *
     * @throws ClosedChannelException if either channel is closed
     * @throws ClosedByInterruptException if the thread is interrupted (src is closed, and on JDK
     *     22+ the target too)
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
        return ChannelTransferTo.transfer(src, position, count, target);
    }

    /**
     * {@link FileChannel#transferFrom(ReadableByteChannel, long, long)} with its contract: writes
     * into {@code dst} at {@code position} without moving its position (a position past its size
     * returns 0 on JDK 17 and grows the file on JDK 21+, as the running JDK's FileChannel does),
     * reads {@code src} at its position and advances it, returns the bytes written. Stops at
     * {@code count}, at end of stream, or when a non-blocking {@code src} has no more bytes
     * (possibly 0). Never reads more than {@code count} bytes from {@code src}, and from a file at
     * most the bytes it held on entry (a file transferred onto itself does not feed itself).
     * The checks come in the running JDK's order (JDK 21+ refuses a non-readable source file first).
     *
     * <p>Bytes taken from a socket are always written to {@code dst} before more are taken. If
     * writing them fails (ENOSPC, EFBIG, EIO), the {@link ErrnoException} thrown says in
     * {@link ErrnoException#bytesTransferred()} how many reached the file and in its message how
     * many were taken from the socket and lost with the failure; the stream cannot be resumed.
     *
     * @throws ClosedChannelException if either channel is closed
     * @throws ClosedByInterruptException if the thread is interrupted (dst is closed, and on JDK
     *     22+ src too)
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
        return ChannelTransferFrom.transfer(src, dst, position, count);
    }

    /**
     * Makes every transfer of this thread take {@code method} (null: choose automatically) until
     * the returned scope is closed, which restores the previous choice. Takes precedence over
     * {@link ZeroCopyFileChannel#forceMethod}.
     * <pre>{@code
     * try (var forced = ZeroCopyChannels.forceMethod(TransferMethod.SPLICE)) {
     *     file.transferTo(0, n, socket);   // unchanged code, now splice
     * }
     * }</pre>
     */
    public static MethodScope forceMethod(TransferMethod method) {
        ThreadTransferState st = ThreadTransferState.current();
        MethodScope scope = new MethodScope(st, st.forced);
        st.forced = method;
        return scope;
    }

    /** The method this thread is forced to, or null (for tests). */
    static TransferMethod forcedMethod() {
        return ThreadTransferState.current().forced;
    }

    /** Restores the forced method that was in effect before {@link #forceMethod}. */
    public static final class MethodScope implements AutoCloseable {
        private final ThreadTransferState state;
        private final TransferMethod previous;

        private MethodScope(ThreadTransferState state, TransferMethod previous) {
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
     * loop for channels without an fd), or null if it moved nothing natively or fell back to the JDK.
     */
    public static TransferMethod lastMethod() {
        return ThreadTransferState.current().last;
    }

    /** The kind of the other end of this thread's last transfer (for tests). */
    static ChannelKind lastKind() {
        return ThreadTransferState.current().lastKind;
    }

    /** Transfers, over all threads, that moved on to a later path because the kernel refused one. */
    public static long fallbackCount() {
        return Refusals.fallbackCount();
    }

    /** The methods the kernel refused for good for transferTo to this kind, and which are now skipped. */
    public static Set<TransferMethod> refusedTransferTo(ChannelKind kind) {
        return Refusals.refused(Refusals.Direction.TO, kind);
    }

    /** The methods the kernel refused for good for transferFrom from this kind. */
    public static Set<TransferMethod> refusedTransferFrom(ChannelKind kind) {
        return Refusals.refused(Refusals.Direction.FROM, kind);
    }

    /** Forgets every remembered refusal; the next calls probe again (for tests). */
    static void resetRefusals() {
        Refusals.reset();
    }

    private static FileChannel unwrap(FileChannel ch) {
        return ch instanceof ZeroCopyFileChannel ? ((ZeroCopyFileChannel) ch).delegate() : ch;
    }
}
