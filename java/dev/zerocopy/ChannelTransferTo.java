package dev.zerocopy;

import java.io.IOException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.WritableByteChannel;

/** {@link ZeroCopyChannels#transferTo}: the checks in the JDK's order, then the path plan. */
final class ChannelTransferTo {
    /** Bytes per native call: bounds how long a close or an interrupt waits to be honoured. */
    static final long CHUNK = 8L << 20;

    private static final TransferMethod[] STREAM_PLAN = {TransferMethod.SENDFILE, TransferMethod.SPLICE, TransferMethod.READ_WRITE};
    private static final TransferMethod[] FILE_PLAN = {TransferMethod.COPY_FILE_RANGE, TransferMethod.SENDFILE, TransferMethod.READ_WRITE};
    /** procfs and sysfs files claim size 0 and some refuse or shortcut the in-kernel paths. */
    private static final TransferMethod[] SIZELESS_PLAN = {TransferMethod.READ_WRITE};

    private ChannelTransferTo() {
    }

    static long transfer(FileChannel src, long position, long count, WritableByteChannel target) throws IOException {
        return Interrupts.closingOnInterrupt(src, target, () -> transferChecked(src, position, count, target));
    }

    private static long transferChecked(FileChannel src, long position, long count, WritableByteChannel target) throws IOException {
        ThreadTransferState st = ThreadTransferState.current();
        TransferMethod forced = st.effective(src);
        if (!src.isOpen() || !target.isOpen()) {
            throw new ClosedChannelException();
        }
        st.last = null;
        long in = HeldFd.hold(src, false, false, target, true);
        try {
            if (HeldFd.hasFd(in) && !HeldFd.isReadable(in)) {
                throw new NonReadableChannelException();
            }
            long out = HeldFd.hold(target, true, true, src, true);
            try {
                if (HeldFd.hasFd(out) && target instanceof FileChannel && !HeldFd.isWritable(out)) {
                    throw new NonWritableChannelException();
                }
                if (position < 0 || count < 0) {
                    throw new IllegalArgumentException("position " + position + ", count " + count);
                }
                Interrupts.stop(src, target, 0);
                if (target instanceof SocketChannel && !((SocketChannel) target).isConnected()) {
                    if (!target.isOpen()) {
                        throw new AsynchronousCloseException(); // closed since the check above
                    }
                    throw new NotYetConnectedException();
                }
                // FileChannel.transferTo caps the count at the size it reads on entry (an fstat), so a
                // source that grows meanwhile (or is the target itself) is not read past it. Size 0 may
                // be procfs, whose files claim 0 and are read to their end. A non-blocking target gets
                // one native call of at most CHUNK bytes, which stops at the end of the file by itself:
                // its answer is one the JDK gives when the file changed just before its fstat, so the
                // size is read only if that call found the end (to tell position >= size from procfs).
                // So does a transfer of at most CHUNK bytes (one native call) to a socket, pipe or
                // device: none of them can be the source, and the call that found the end is the only
                // one that needs the size. A file target keeps the cap: a transfer into the source
                // itself would read back what it wrote.
                boolean nonBlocking = target instanceof SelectableChannel && !((SelectableChannel) target).isBlocking();
                ChannelKind kind = HeldFd.kind(out);
                st.lastKind = kind;
                boolean fileTarget = kind == ChannelKind.FILE || kind == ChannelKind.APPEND_FILE;
                boolean sizeOnDemand = nonBlocking || count <= CHUNK && !fileTarget && HeldFd.hasFd(in) && HeldFd.hasFd(out);
                long size = -1;
                if (nonBlocking) {
                    count = Math.min(count, CHUNK);
                } else if (!sizeOnDemand) {
                    size = src.size();
                    if (size > 0) {
                        count = Math.min(count, Math.max(0, size - position));
                    }
                }
                if (!HeldFd.hasFd(in) || !HeldFd.hasFd(out)) {
                    if (forced != null && forced != TransferMethod.READ_WRITE) {
                        throw new UnsupportedOperationException(forced + " needs file descriptors on both ends; "
                                + (HeldFd.hasFd(in) ? target : src).getClass().getName() + " has none");
                    }
                    long n = CopyLoops.copyTo(src, position, count, target);
                    st.last = TransferMethod.READ_WRITE;
                    return n;
                }
                TransferMethod[] plan = fileTarget ? FILE_PLAN : STREAM_PLAN;
                long done = transfer(src, in, position, count, target, out, nonBlocking, kind, forced, plan, st);
                if (done == NativeZeroCopy.END_OF_FILE || done == 0 && count > 0 && size < 0 && !nonBlocking) {
                    done = 0;
                    size = src.size(); // nothing moved: at or past the end, or a file that claims size 0
                }
                if (done == 0 && count > 0 && forced == null && size == 0) {
                    // Read as JDK 21+ does, with a plain read+write (JDK 17 returns 0 here).
                    done = Math.max(0, transfer(src, in, position, count, target, out, nonBlocking, kind, null, SIZELESS_PLAN, st));
                }
                return done;
            } finally {
                HeldFd.release(target, out, true);
            }
        } finally {
            HeldFd.release(src, in, false);
        }
    }

    /**
     * Chunks of at most CHUNK bytes through the first path of the plan the kernel takes. A
     * non-blocking target gets one syscall per chunk and NIO's short count. A blocking-mode socket
     * or pipe whose fd would block (a virtual thread's, see {@link VirtualThreads}) is waited on in a
     * JDK write, then the native path resumes: it gets its whole transfer, and no carrier is pinned.
     * {@code once}: the target is a non-blocking selectable channel (the mode transferChecked read
     * and capped the count by). Returns the bytes moved, or {@link NativeZeroCopy#END_OF_FILE} when
     * a call to such a target found the end of the file before its first byte (0 then means it
     * would block).
     */
    private static long transfer(FileChannel src, long in, long position, long count, WritableByteChannel target, long out,
                                 boolean once, ChannelKind kind, TransferMethod forced, TransferMethod[] plan,
                                 ThreadTransferState st) throws IOException {
        int inFd = HeldFd.fd(in);
        int outFd = HeldFd.fd(out);
        boolean waits = target instanceof SelectableChannel && !once; // blocking mode: see VirtualThreads
        if (waits) {
            VirtualThreads.beforeNativeWrite(target);
        }
        int step = 0;
        long done = 0;
        boolean atEnd = false;
        while (done < count) {
            if (done > 0 && Interrupts.stop(src, target, done)) {
                break;
            }
            long chunk = Math.min(count - done, CHUNK);
            long moved = 0;
            boolean closedUnder = false;
            int entry = HeldFd.beginCall(src, in, done);
            if (entry == HeldFd.CLOSED) {
                break; // closed since: what moved is returned
            }
            int targetEntry = HeldFd.CLOSED;
            try {
                targetEntry = HeldFd.beginCall(target, out, done);
                if (targetEntry == HeldFd.CLOSED) {
                    break;
                }
                while (true) {
                    TransferMethod m = forced;
                    if (m == null) {
                        while (plan[step] != TransferMethod.READ_WRITE && Refusals.isRefused(Refusals.Direction.TO, kind, plan[step])) {
                            step++;
                        }
                        m = plan[step];
                    }
                    try {
                        long r = once ? callOnce(m, inFd, outFd, position + done + moved, chunk - moved)
                                : interruptibleCall(m, inFd, outFd, position + done + moved, chunk - moved);
                        if (r == NativeZeroCopy.END_OF_FILE) {
                            atEnd = true;
                        } else {
                            moved += r;
                        }
                        st.last = m;
                        break;
                    } catch (ErrnoException e) {
                        moved += e.bytesTransferred();
                        if (!src.isOpen() || !target.isOpen()) {
                            // Closed by another thread during the call: the JDK's close signals the
                            // threads in the channel's I/O (EINTR), and a blocking socket's puts a dead
                            // socket on its fd (EPIPE). As the JDK's end(completed) reports it.
                            closedUnder = true;
                            break;
                        }
                        if ("EINTR".equals(e.errnoName())) {
                            continue; // another signal: the same path again from where it stopped
                        }
                        if (forced != null || m == TransferMethod.READ_WRITE || !Refusals.isRefusal(e, kind)) {
                            throw ChannelFailures.withTotal(e, done + moved);
                        }
                        Refusals.refuse(Refusals.Direction.TO, kind, m, e);
                        step++;
                    }
                }
            } finally {
                HeldFd.endCall(target, targetEntry);
                HeldFd.endCall(src, entry);
            }
            done += moved;
            if (closedUnder) {
                if (done == 0) {
                    throw new AsynchronousCloseException();
                }
                break;
            }
            if (moved < chunk) {
                if (!waits) {
                    break; // end of file, or a full non-blocking target
                }
                long w = CopyLoops.waitingWrite(src, position + done, count - done, target);
                if (w == 0) {
                    break; // end of file
                }
                done += w;
            }
        }
        return done == 0 && atEnd ? NativeZeroCopy.END_OF_FILE : done;
    }

    /**
     * A native call that a signal ends (-EINTR with what moved, zc_chan_transfer) instead of
     * retrying, so that a close, which signals the threads in a channel's I/O, is answered.
     */
    private static long interruptibleCall(TransferMethod m, int inFd, int outFd, long offset, long length)
            throws ErrnoException {
        return Errors.check(NativeLibrary.shim().zc_chan_transfer(m.measureId, inFd, outFd, offset, length),
                m.operation, inFd, outFd, offset, length);
    }

    /**
     * One native call to a selectable target, telling end of file (END_OF_FILE) from a target
     * that would block (0), as {@link NativeZeroCopy#transferNonBlocking} does.
     */
    private static long callOnce(TransferMethod m, int inFd, int outFd, long offset, long length) throws ErrnoException {
        return m == TransferMethod.SENDFILE ? sendfileOnce(inFd, outFd, offset, length)
                : NativeZeroCopy.transferNonBlocking(m, inFd, outFd, offset, length);
    }

    /**
     * One sendfile(2), as FileChannel.transferTo makes to a non-blocking target: a second one
     * after a short count would only meet EAGAIN (one more syscall per write readiness).
     */
    private static long sendfileOnce(int inFd, int outFd, long offset, long length) throws ErrnoException {
        return NativeZeroCopy.nonBlockingResult(NativeLibrary.shim().zc_chan_sendfile_once(inFd, outFd, offset, length),
                TransferMethod.SENDFILE, inFd, outFd, offset, length);
    }
}
