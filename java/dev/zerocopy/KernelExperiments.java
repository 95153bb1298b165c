package dev.zerocopy;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;

import com.kenai.jffi.MemoryIO;

import dev.zerocopy.ShimBinding.Shim;

/**
 * Kernel experiments no other Java library offers: MSG_ZEROCOPY with completion reaping, a batch
 * of sendfiles in one native call, header + body + trailer in one call, and the raw pipe calls
 * tee(2), vmsplice(2) and splice(2) at stream positions. Each runs in native code; the blocking
 * rules of {@link NativeZeroCopy} apply (a call that blocks in the kernel pins a virtual thread's
 * carrier until it returns).
 */
public final class KernelExperiments {
    /** Slots of the stats array filled by zc_mmap_send_zerocopy (enum in native/zc_msg_zerocopy.c). */
    private static final int ST_SENDS = 0;
    private static final int ST_ZEROCOPIED = 1;
    private static final int ST_COPIED = 2;
    private static final int ST_PLAIN = 3;
    private static final int ST_OUTSTANDING = 4;
    private static final int ST_COUNT = 5;

    private static final MemoryIO MEMORY = MemoryIO.getInstance();

    private KernelExperiments() {
    }

    /**
     * mmap(2) windows (8 MiB) of {@code fdIn} sent to the TCP socket {@code fdOut} with send(2)
     * MSG_ZEROCOPY, after enabling SO_ZEROCOPY on it (msg_zerocopy.rst). The kernel pins the mapped
     * pages instead of copying them, and posts completions on the socket's error queue; they are
     * reaped (recvmsg MSG_ERRQUEUE, waiting in poll for POLLERR) before each window is unmapped, so
     * the call returns only when the kernel is done with every page. Completions that say the kernel
     * copied after all (SO_EE_CODE_ZEROCOPY_COPIED) are counted apart: on loopback and veth every
     * send is "copied", since local delivery copies. ENOBUFS (optmem or RLIMIT_MEMLOCK exhausted)
     * makes the rest of that window go out with plain send(2). It pays off only for large sends to
     * a real NIC (above about 10 KB per send, per the kernel documentation).
     *
     * <p>{@code fdOut} should be blocking. On a non-blocking socket the call stops at EAGAIN and
     * then waits for the completions of what it sent, but at most 2 s without a new one (a peer
     * that never reads keeps them from coming): then it throws ErrnoException ETIMEDOUT (syscall
     * poll) whose message says how many sends are still outstanding, with the bytes sent so far. End of file,
     * truncation and the offset/length rules are as for {@link NativeZeroCopy#mmapWrite}.
     *
     * @return bytes sent, and how many sends were zero-copied, copied, or plain
     * @throws ErrnoException if setsockopt fails (EOPNOTSUPP: not a TCP or UDP socket), or fstat,
     *     mmap, send (EPIPE, ECONNRESET), recvmsg or poll fails
     */
    public static ZeroCopySendResult mmapSendZeroCopy(int fdIn, int fdOut, long offset, long length) throws ErrnoException {
        checkRange(offset, length);
        long[] stats = new long[ST_COUNT];
        if (length == 0) {
            return new ZeroCopySendResult(0, 0, 0, 0, 0);
        }
        long r = NativeLibrary.shim().zc_mmap_send_zerocopy(fdIn, fdOut, offset, length, stats);
        long bytes = Errors.check(r, "mmapSendZeroCopy", fdIn, fdOut, offset, length, stats[ST_OUTSTANDING] == 0 ? ""
                : "; " + stats[ST_OUTSTANDING] + " of " + stats[ST_SENDS] + " MSG_ZEROCOPY sends still outstanding (not completed by the kernel)");
        return new ZeroCopySendResult(bytes, stats[ST_SENDS], stats[ST_ZEROCOPIED], stats[ST_COPIED], stats[ST_PLAIN]);
    }

    /**
     * Many sendfile(2) transfers to {@code fdOut} in one native call: item {@code i} sends
     * {@code lengths[i]} bytes of {@code fdIns[i]} from {@code offsets[i]} (file positions are not
     * moved), in order. One crossing into native code for the whole batch: the fast path for many
     * small files. The batch stops at the first item that moves less than asked (end of file, or
     * a non-blocking {@code fdOut} that would block), so a short file never lets the next item's
     * bytes take its place in the stream. Allocates the result's counts array; use
     * {@link #sendfileBatch(int, int[], long[], long[], long[])} to pass your own.
     *
     * @throws SendfileBatchException if a sendfile fails: which item, its errno, and the bytes each
     *     item moved before
     * @throws IllegalArgumentException if the arrays differ in length or an offset or length is negative
     */
    public static SendfileBatchResult sendfileBatch(int fdOut, int[] fdIns, long[] offsets, long[] lengths)
            throws SendfileBatchException {
        long[] counts = new long[fdIns.length];
        long bytes = sendfileBatch(fdOut, fdIns, offsets, lengths, counts);
        int completed = fdIns.length == 0 ? 0 : NativeLibrary.shim().zc_last_batch_item();
        return new SendfileBatchResult(bytes, completed, counts);
    }

    /**
     * As {@link #sendfileBatch(int, int[], long[], long[])}, with the per-item counts written to
     * {@code counts} (at least as long as {@code fdIns}); nothing is allocated in Java.
     *
     * @return total bytes moved; the first {@code i} with {@code counts[i] < lengths[i]} is where it stopped
     */
    public static long sendfileBatch(int fdOut, int[] fdIns, long[] offsets, long[] lengths, long[] counts)
            throws SendfileBatchException {
        int n = fdIns.length;
        if (offsets.length != n || lengths.length != n || counts.length < n) {
            throw new IllegalArgumentException("fdIns, offsets and lengths must have the same length (" + n + ", "
                    + offsets.length + ", " + lengths.length + ") and counts at least that (" + counts.length + ")");
        }
        for (int i = 0; i < n; i++) {
            if (offsets[i] < 0 || lengths[i] < 0) {
                throw new IllegalArgumentException("item " + i + ": negative offset or length: " + offsets[i] + ", " + lengths[i]);
            }
        }
        if (n == 0) {
            return 0;
        }
        Shim shim = NativeLibrary.shim();
        long r = shim.zc_sendfile_batch(fdOut, fdIns, offsets, lengths, counts, n);
        if (r >= 0) {
            return r;
        }
        int item = shim.zc_last_batch_item();
        try {
            Errors.check(r, "sendfile", fdIns[item], fdOut, offsets[item], lengths[item]);
            throw new AssertionError("unreachable: negative result " + r);
        } catch (ErrnoException e) {
            throw new SendfileBatchException(item, counts, e);
        }
    }

    /**
     * A header, a file body and a trailer in one native call: write(2) of {@code header}'s
     * remaining bytes, sendfile(2) of {@code length} bytes of {@code fdIn} from {@code offset},
     * write(2) of {@code trailer}'s remaining bytes, so they leave in full segments rather than a
     * small header segment, the body and a small trailer segment (what tomcat-native does for
     * HTTP). On a TCP {@code fdOut} not corked already: without a trailer the header goes with
     * send(2) MSG_MORE and the body's last sendfile chunk pushes both; with a trailer the socket is
     * corked (TCP_CORK) for the call and uncorked at its end. Other targets get the same bytes
     * uncorked. The README's kernel experiments give the segments and times of each.
     *
     * <p>{@code header} and {@code trailer} are direct buffers or null; their positions advance by
     * what was sent. If the file has fewer than {@code length} bytes the trailer is not sent (so a
     * short body is never framed as a complete one) and the count is short; a non-blocking target
     * that would block also ends the call with a short count.
     *
     * @return bytes sent in all (header + body + trailer)
     * @throws IllegalArgumentException if a buffer is not direct, or offset or length is negative
     * @throws ErrnoException if send, write or sendfile fails; the buffers' positions still advance by
     *     what was sent
     */
    public static long sendWithHeader(int fdOut, ByteBuffer header, int fdIn, long offset, long length, ByteBuffer trailer)
            throws ErrnoException {
        checkRange(offset, length);
        int hdrLen = header == null ? 0 : header.remaining();
        int trlLen = trailer == null ? 0 : trailer.remaining();
        long hdr = address(header, "header");
        long trl = address(trailer, "trailer");
        long r;
        try {
            r = NativeLibrary.shim().zc_send_with_header(fdOut, hdr, hdrLen, fdIn, offset, length, trl, trlLen);
        } finally {
            // The native code reads the buffers' memory: they must stay reachable until it returns.
            Reference.reachabilityFence(header);
            Reference.reachabilityFence(trailer);
        }
        long total;
        ErrnoException failure = null;
        try {
            total = Errors.check(r, "sendWithHeader", fdIn, fdOut, offset, length);
        } catch (ErrnoException e) {
            failure = e;
            total = e.bytesTransferred();
        }
        // Advance the buffers by what left them, as a channel write does.
        long fromHeader = Math.min(total, hdrLen);
        if (header != null) {
            header.position(header.position() + (int) fromHeader);
        }
        long fromTrailer = Math.max(0, total - hdrLen - length);
        if (trailer != null) {
            trailer.position(trailer.position() + (int) fromTrailer);
        }
        if (failure != null) {
            throw failure;
        }
        return total;
    }

    /**
     * tee(2): duplicates up to {@code length} bytes now in the pipe {@code pipeIn} into the pipe
     * {@code pipeOut} without consuming them and without a copy (page references). Only what is in
     * the pipe now can be duplicated, so this is one call: consume the duplicated bytes from
     * {@code pipeIn} (e.g. {@link #spliceStream}) and tee again.
     *
     * @param nonBlocking SPLICE_F_NONBLOCK: EAGAIN instead of waiting when {@code pipeIn} is empty
     *     or {@code pipeOut} is full
     * @return bytes duplicated; 0 when {@code pipeIn} is empty and has no writer left
     * @throws ErrnoException EINVAL if either fd is not a pipe or both are the same pipe, EAGAIN
     *     when non-blocking and nothing could be done
     */
    public static long tee(int pipeIn, int pipeOut, long length, boolean nonBlocking) throws ErrnoException {
        checkRange(0, length);
        long r = NativeLibrary.shim().zc_tee(pipeIn, pipeOut, length, nonBlocking ? 1 : 0);
        return Errors.check(r, "tee", pipeIn, pipeOut, 0, length);
    }

    /**
     * vmsplice(2): puts {@code src}'s remaining bytes into the pipe {@code pipeOut} as references
     * to its pages, without a copy, and advances its position. Lifetime rule (vmsplice(2), without
     * SPLICE_F_GIFT): a reader of the pipe gets whatever those pages hold when it reads, so
     * {@code src} must not be changed, reused or freed until the bytes have been consumed from the
     * pipe (and from any pipe they were tee'd into). {@code src} must be direct.
     *
     * @param nonBlocking return a short count instead of waiting when the pipe is full
     * @throws ErrnoException EBADF if {@code pipeOut} is not the write end of a pipe
     */
    public static long vmsplice(int pipeOut, ByteBuffer src, boolean nonBlocking) throws ErrnoException {
        int len = src.remaining();
        long address = address(src, "src");
        long r;
        try {
            r = NativeLibrary.shim().zc_vmsplice(pipeOut, address, len, nonBlocking ? 1 : 0);
        } finally {
            Reference.reachabilityFence(src);
        }
        long moved;
        try {
            moved = Errors.check(r, "vmsplice", -1, pipeOut, 0, len);
        } catch (ErrnoException e) {
            src.position(src.position() + (int) e.bytesTransferred());
            throw e;
        }
        src.position(src.position() + (int) moved);
        return moved;
    }

    /**
     * splice(2) between a pipe and any fd at their current positions (no offsets): up to
     * {@code length} bytes, looping until they moved, the input pipe is empty with no writer left,
     * or a non-blocking side would block.
     *
     * @throws ErrnoException EINVAL if neither fd is a pipe, ESPIPE or EBADF as splice(2) says
     */
    public static long spliceStream(int fdIn, int fdOut, long length, boolean nonBlocking) throws ErrnoException {
        checkRange(0, length);
        if (length == 0) {
            return 0;
        }
        long r = NativeLibrary.shim().zc_splice_stream(fdIn, fdOut, length, nonBlocking ? 1 : 0);
        return Errors.check(r, "splice", fdIn, fdOut, 0, length);
    }

    /** Native address of buf's position; 0 for null. Heap buffers are refused: the GC moves them. */
    private static long address(ByteBuffer buf, String name) {
        if (buf == null) {
            return 0;
        }
        if (!buf.isDirect()) {
            throw new IllegalArgumentException(name + " must be a direct ByteBuffer (the kernel reads its memory in place)");
        }
        return MEMORY.getDirectBufferAddress(buf) + buf.position();
    }

    private static void checkRange(long offset, long length) {
        if (offset < 0) {
            throw new IllegalArgumentException("negative offset: " + offset);
        }
        if (length < 0) {
            throw new IllegalArgumentException("negative length: " + length);
        }
    }
}
