package dev.zerocopy;

import java.io.IOException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SocketChannel;

/** {@link ZeroCopyChannels#transferFrom}: the checks in the running JDK's order, then the path plan. */
final class ChannelTransferFrom {
    /**
     * JDK 21 changed transferFrom (JDK-8303260): a position past the end of the file grows it, where
     * JDK 17 returns 0, and a source FileChannel not open for reading is refused before the
     * target's own checks, where JDK 17 finds it only when it reads. This class follows the JDK it
     * runs on.
     */
    static final boolean JDK21_RULES = Runtime.version().feature() >= 21;

    private ChannelTransferFrom() {
    }

    static long transfer(ReadableByteChannel src, FileChannel dst, long position, long count) throws IOException {
        return Interrupts.closingOnInterrupt(dst, src, () -> transferChecked(src, dst, position, count));
    }

    private static long transferChecked(ReadableByteChannel src, FileChannel dst, long position, long count) throws IOException {
        ThreadTransferState st = ThreadTransferState.current();
        TransferMethod forced = st.effective(dst);
        if (!dst.isOpen() || !src.isOpen()) {
            throw new ClosedChannelException();
        }
        st.last = null;
        long out = HeldFd.hold(dst, false, true, src, false);
        try {
            long in = HeldFd.hold(src, true, false, dst, false);
            try {
                boolean srcFile = src instanceof FileChannel;
                boolean srcUnreadable = srcFile && HeldFd.hasFd(in) && !HeldFd.isReadable(in);
                if (JDK21_RULES && srcUnreadable) {
                    throw new NonReadableChannelException();
                }
                if (HeldFd.hasFd(out) && !HeldFd.isWritable(out)) {
                    throw new NonWritableChannelException();
                }
                if (position < 0 || count < 0) {
                    throw new IllegalArgumentException("position " + position + ", count " + count);
                }
                if (forced == TransferMethod.SENDFILE || forced == TransferMethod.MMAP_WRITE) {
                    throw new UnsupportedOperationException(forced + " cannot write at an explicit file position: "
                            + "transferFrom takes SPLICE, COPY_FILE_RANGE or READ_WRITE");
                }
                Interrupts.stop(dst, src, 0);
                if (!JDK21_RULES && position > dst.size()) {
                    return 0;
                }
                if (srcUnreadable) {
                    throw new NonReadableChannelException(); // JDK 17: found on the first read
                }
                if (src instanceof SocketChannel && !((SocketChannel) src).isConnected()) {
                    if (!src.isOpen()) {
                        throw new AsynchronousCloseException(); // closed since the check above
                    }
                    throw new NotYetConnectedException();
                }
                ChannelKind kind = HeldFd.kind(in);
                st.lastKind = kind;
                if (srcFile) {
                    return fromFile((FileChannel) src, HeldFd.fd(in), dst, HeldFd.fd(out), HeldFd.isAppend(out),
                            position, count, kind, forced, st);
                }
                boolean javaLoop = !HeldFd.hasFd(in) || !HeldFd.hasFd(out) || forced == TransferMethod.READ_WRITE
                        || (forced == null && HeldFd.isAppend(out)); // O_APPEND: the positional write appends (pwrite(2) BUGS), as the JDK's does
                if (javaLoop) {
                    checkJavaLoop(forced);
                    long n = CopyLoops.copyFrom(src, dst, position, count);
                    st.last = TransferMethod.READ_WRITE;
                    return n;
                }
                return fromStream(src, in, dst, out, position, count, kind, forced, st);
            } finally {
                HeldFd.release(src, in, false);
            }
        } finally {
            HeldFd.release(dst, out, true);
        }
    }

    private static void checkJavaLoop(TransferMethod forced) {
        if (forced != null && forced != TransferMethod.READ_WRITE) {
            throw new UnsupportedOperationException(forced + " needs file descriptors on both ends");
        }
    }

    /**
     * From src's position, at most the bytes src held on entry (as FileChannel.transferFrom: a
     * file transferred onto itself does not feed itself); src's position moves past what was written.
     */
    private static long fromFile(FileChannel src, int inFd, FileChannel dst, int outFd, boolean append, long position,
                                 long count, ChannelKind kind, TransferMethod forced, ThreadTransferState st) throws IOException {
        long start = src.position();
        long size = src.size();
        if (size > 0) { // 0 may be procfs, read to its end
            count = Math.min(count, Math.max(0, size - start));
        }
        if (inFd < 0 || outFd < 0 || forced == TransferMethod.READ_WRITE || (forced == null && append)) {
            checkJavaLoop(forced);
            return javaFromFile(src, start, dst, position, count, 0, st);
        }
        TransferMethod m = forced != null ? forced : TransferMethod.COPY_FILE_RANGE;
        if (forced == null && Refusals.isRefused(Refusals.Direction.FROM, kind, m)) {
            return javaFromFile(src, start, dst, position, count, 0, st);
        }
        long done = 0;
        try {
            while (done < count) {
                if (done > 0 && Interrupts.stop(dst, src, done)) {
                    break;
                }
                long chunk = Math.min(count - done, ChannelTransferTo.CHUNK);
                long n;
                if (m == TransferMethod.SPLICE) {
                    src.position(start + done); // splice reads (and moves) the file position of src
                    n = spliceFrom(inFd, outFd, position + done, chunk, false);
                } else {
                    n = Errors.check(NativeLibrary.shim().zc_copy_file_range_at(inFd, start + done, outFd, position + done, chunk),
                            "copy_file_range", inFd, outFd, start + done, chunk);
                }
                st.last = m;
                done += n;
                if (n < chunk) {
                    break;
                }
            }
        } catch (ErrnoException e) {
            done += e.bytesTransferred();
            if (forced != null || !Refusals.isRefusal(e, kind)) {
                CopyLoops.setPosition(src, start + done);
                throw ChannelFailures.withTotal(e, done);
            }
            Refusals.refuse(Refusals.Direction.FROM, kind, m, e);
            return javaFromFile(src, start, dst, position, count, done, st); // sets the position
        }
        if (done == 0 && count > 0 && forced == null && size == 0) {
            return javaFromFile(src, start, dst, position, count, 0, st); // procfs, as in transferTo
        }
        src.position(start + done);
        return done;
    }

    private static long javaFromFile(FileChannel src, long start, FileChannel dst, long position, long count, long done,
                                     ThreadTransferState st) throws IOException {
        long n = CopyLoops.copyFromFile(src, start, dst, position, count, done);
        st.last = TransferMethod.READ_WRITE;
        return n;
    }

    /**
     * The zero-copy receive: splice socket or pipe -> the thread's pipe -> dst at the position.
     * A blocking-mode source whose fd would block (a virtual thread's) is waited on in a JDK read
     * of the next few bytes, then splicing resumes: the transfer ends only at count or end of stream.
     */
    private static long fromStream(ReadableByteChannel src, long in, FileChannel dst, long out, long position, long count,
                                   ChannelKind kind, TransferMethod forced, ThreadTransferState st) throws IOException {
        int inFd = HeldFd.fd(in);
        int outFd = HeldFd.fd(out);
        if (forced == TransferMethod.COPY_FILE_RANGE) {
            throw new UnsupportedOperationException("COPY_FILE_RANGE reads files only, not " + src.getClass().getName());
        }
        if (forced == null && Refusals.isRefused(Refusals.Direction.FROM, kind, TransferMethod.SPLICE)) {
            long n = CopyLoops.copyFrom(src, dst, position, count);
            st.last = TransferMethod.READ_WRITE;
            return n;
        }
        boolean waits = VirtualThreads.isBlockingSelectable(src);
        if (waits) {
            VirtualThreads.beforeNativeRead(src);
        }
        boolean pipe = kind == ChannelKind.PIPE;
        long done = 0;
        try {
            while (done < count) {
                if (done > 0 && Interrupts.stop(dst, src, done)) {
                    break;
                }
                long chunk = Math.min(count - done, ChannelTransferTo.CHUNK);
                int entry = HeldFd.beginCall(dst, out, done);
                if (entry == HeldFd.CLOSED) {
                    break; // closed since: what moved is returned
                }
                long n;
                int srcEntry = HeldFd.CLOSED;
                try {
                    srcEntry = HeldFd.beginCall(src, in, done);
                    if (srcEntry == HeldFd.CLOSED) {
                        break;
                    }
                    n = spliceFrom(inFd, outFd, position + done, chunk, pipe);
                } finally {
                    HeldFd.endCall(src, srcEntry);
                    HeldFd.endCall(dst, entry);
                }
                st.last = TransferMethod.SPLICE;
                done += n;
                if (n < chunk) {
                    if (!src.isOpen()) {
                        // Closed by another thread during the call: a blocking socket's close puts a
                        // dead socket on its fd, which reads as end of stream. The JDK's read reports it.
                        if (done == 0) {
                            throw new AsynchronousCloseException();
                        }
                        break;
                    }
                    if (!waits) {
                        break; // end of stream, or a non-blocking source with nothing more
                    }
                    long r = CopyLoops.waitingRead(src, dst, position + done, count - done);
                    if (r < 0) {
                        break; // end of stream
                    }
                    done += r;
                }
            }
        } catch (ErrnoException e) {
            done += e.bytesTransferred();
            long lost = NativeLibrary.shim().zc_splice_from_lost();
            if (forced != null || lost > 0 || !Refusals.isRefusal(e, kind)) {
                throw lost > 0 ? ChannelFailures.lostBytes(e, done, lost) : ChannelFailures.withTotal(e, done);
            }
            // Refused before a byte was taken from src: carry on with a plain loop.
            Refusals.refuse(Refusals.Direction.FROM, kind, TransferMethod.SPLICE, e);
            long n = done + CopyLoops.copyFrom(src, dst, position + done, count - done);
            st.last = TransferMethod.READ_WRITE;
            return n;
        }
        return done;
    }

    private static long spliceFrom(int inFd, int outFd, long offset, long length, boolean pipe) throws ErrnoException {
        return Errors.check(NativeLibrary.shim().zc_splice_from(inFd, outFd, offset, length, pipe ? 1 : 0),
                "splice", inFd, outFd, offset, length);
    }
}
