package dev.zerocopy;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;

import com.kenai.jffi.MemoryIO;

/** The implementations behind NativeZeroCopy's kernel-experiment methods (documented there). */
final class KernelCalls {
    /** SPLICE_F_NONBLOCK from fcntl.h: do not block on the pipe (the other fd keeps its own mode). */
    static final int SPLICE_F_NONBLOCK = 0x02;

    /** Slots of the stats array filled by zc_mmap_send_zerocopy (enum in native/zc_msg_zerocopy.c). */
    private static final int ST_SENDS = 0;
    private static final int ST_ZEROCOPIED = 1;
    private static final int ST_COPIED = 2;
    private static final int ST_PLAIN = 3;
    private static final int ST_COUNT = 4;

    private static final MemoryIO MEMORY = MemoryIO.getInstance();

    private KernelCalls() {
    }

    static ZeroCopySendResult mmapSendZeroCopy(int fdIn, int fdOut, long offset, long length) throws ErrnoException {
        checkRange(offset, length);
        long[] stats = new long[ST_COUNT];
        if (length == 0) {
            return new ZeroCopySendResult(0, 0, 0, 0, 0);
        }
        long r = NativeLibrary.shim().zc_mmap_send_zerocopy(fdIn, fdOut, offset, length, stats);
        long bytes = Errors.check(r, "mmapSendZeroCopy", fdIn, fdOut, offset, length);
        return new ZeroCopySendResult(bytes, stats[ST_SENDS], stats[ST_ZEROCOPIED], stats[ST_COPIED], stats[ST_PLAIN]);
    }

    static long sendfileBatch(int fdOut, int[] fdIns, long[] offsets, long[] lengths, long[] counts)
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
            throw new SendfileBatchException(item, counts, e.bytesTransferred(), e);
        }
    }

    static int lastBatchItem() {
        return NativeLibrary.shim().zc_last_batch_item();
    }

    static long sendWithHeader(int fdOut, ByteBuffer header, int fdIn, long offset, long length, ByteBuffer trailer)
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

    static long tcpDataSegmentsOut(int fd) throws ErrnoException {
        return Errors.check(NativeLibrary.shim().zc_tcp_data_segs_out(fd), "getsockopt(TCP_INFO)", fd, fd, 0, 0);
    }

    static long tee(int pipeIn, int pipeOut, long length, boolean nonBlocking) throws ErrnoException {
        checkRange(0, length);
        long r = NativeLibrary.shim().zc_tee(pipeIn, pipeOut, length, nonBlocking ? SPLICE_F_NONBLOCK : 0);
        return Errors.check(r, "tee", pipeIn, pipeOut, 0, length);
    }

    static long vmsplice(int pipeOut, ByteBuffer src, boolean nonBlocking) throws ErrnoException {
        int len = src.remaining();
        long address = address(src, "src");
        long r;
        try {
            r = NativeLibrary.shim().zc_vmsplice(pipeOut, address, len, nonBlocking ? SPLICE_F_NONBLOCK : 0);
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

    static long spliceStream(int fdIn, int fdOut, long length, boolean nonBlocking) throws ErrnoException {
        checkRange(0, length);
        if (length == 0) {
            return 0;
        }
        long r = NativeLibrary.shim().zc_splice_stream(fdIn, fdOut, length, nonBlocking ? SPLICE_F_NONBLOCK : 0);
        return Errors.check(r, "splice", fdIn, fdOut, 0, length);
    }

    /** Native address of buf's position; 0 for null. Heap buffers are refused: the GC moves them (HAZARDS 11). */
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
