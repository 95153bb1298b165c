package dev.zerocopy;

import java.util.Objects;

import dev.zerocopy.ShimBinding.Shim;

/**
 * Moves bytes between two file descriptors through one of Linux's kernel paths: sendfile(2),
 * splice(2), mmap(2)+write(2), pread(2)+write(2) and copy_file_range(2). One call into native code
 * moves a whole transfer; the loop over partial transfers runs in C. The other concerns have their
 * own classes: {@link Fds} (the int fd of a JDK channel or FileDescriptor), {@link Measurement}
 * (what a transfer cost) and {@link KernelExperiments} (MSG_ZEROCOPY, batches, header+body, pipes).
 *
 * <h2>Contract of every transfer method</h2>
 * <ul>
 * <li>{@code fdIn} is read from {@code offset}; its file position is not used and not moved, so
 *     {@code fdIn} must be seekable: a regular file (sendfile, splice and readWrite also take a block
 *     device; mmapWrite and copyFileRange need a regular file). {@code fdOut} is written
 *     at its current position: a file (its position advances), a pipe or a socket.</li>
 * <li>The call loops over partial transfers, EINTR and the kernel's per-call cap of 0x7ffff000
 *     bytes until {@code length} bytes are moved or {@code fdIn} reaches end of file, and returns
 *     the bytes moved. An offset at or past end of file returns 0. A length of 0 returns 0
 *     without a syscall. Transfers over 2 GiB and 4 GiB are one call. A source truncated during
 *     the transfer ends it at the new end of file, with a short count.</li>
 * <li>Non-blocking {@code fdOut}: returns the bytes moved before it would block, possibly 0, as
 *     NIO's transferTo does. A count alone therefore cannot tell end of file from a full target:
 *     {@link #transferNonBlocking} can (-1 at end of file, 0 only when the target would block).
 *     Mind that a JDK {@code SocketChannel} a virtual thread has used is non-blocking at the fd
 *     level while {@code isBlocking()} is still true.</li>
 * <li>Negative offset or length: {@link IllegalArgumentException}. A failed syscall:
 *     {@link ErrnoException} with the errno, its name, the syscall and
 *     {@link ErrnoException#bytesTransferred()}, the bytes that reached {@code fdOut} first.</li>
 * <li>Descriptors passed in are never closed. Pipes and mappings the library makes are released
 *     on every path; splice borrows a pipe from a small process-wide pool (see the README,
 *     "Pipes"), so the library holds a bounded number of pipe pages however many threads call.</li>
 * <li>Thread-safe: any number of threads may transfer at once. Closing a descriptor while a
 *     transfer on it runs is the caller's race to avoid: the number may be reused.</li>
 * <li>Blocking: every method here runs its syscalls in native code. On a blocking {@code fdOut}
 *     (a full socket or pipe) the call blocks in the kernel, and a virtual thread that makes it
 *     stays pinned to its carrier until it returns: with every carrier pinned by a writer whose
 *     reader is itself a virtual thread, nothing runs again. On virtual threads, give the calls a
 *     non-blocking {@code fdOut} and wait for it the JDK's way, or use {@link ZeroCopyChannels}.</li>
 * <li>Signals: the library installs no handler. A peer that closed gives EPIPE (HotSpot ignores
 *     SIGPIPE); a file size limit gives {@link ErrnoException} EFBIG whose
 *     {@link ErrnoException#bytesTransferred()} is what was written up to the limit (HotSpot ignores SIGXFSZ).</li>
 * </ul>
 */
public final class NativeZeroCopy {
    /** What {@link #transferNonBlocking} returns when {@code fdIn} is at end of file. */
    public static final long END_OF_FILE = -1;

    private static final Shim SHIM = NativeLibrary.cause() == null ? NativeLibrary.shim() : null;

    private NativeZeroCopy() {
    }

    /** Whether the native library loaded; when not, {@link #unavailabilityCause()} says why. */
    public static boolean isAvailable() {
        return SHIM != null;
    }

    /** Why the native library could not be loaded, or null when it is available. */
    public static Throwable unavailabilityCause() {
        return NativeLibrary.cause();
    }

    /** Throws UnsatisfiedLinkError, with the reason, if the native library is not available. */
    public static void ensureAvailable() {
        shim();
    }

    private static Shim shim() {
        Shim s = SHIM;
        if (s == null) {
            throw NativeLibrary.unavailable();
        }
        return s;
    }

    /**
     * sendfile(2): the kernel moves file pages to {@code fdOut} without a copy through user space.
     * See the class documentation for the contract.
     *
     * @return bytes moved; less than {@code length} at end of file or when a non-blocking
     *     {@code fdOut} would block
     * @throws ErrnoException if sendfile fails (EINVAL for an O_APPEND file target, EPIPE for a
     *     closed peer, EBADF for a descriptor that is not open, ...)
     */
    public static long sendfile(int fdIn, int fdOut, long offset, long length) throws ErrnoException {
        Shim shim = shim(); // unavailable library: the clear UnsatisfiedLinkError, even for a length of 0
        if (isEmpty(offset, length)) {
            return 0;
        }
        return Errors.check(shim.zc_sendfile(fdIn, fdOut, offset, length), TransferMethod.SENDFILE.operation, fdIn, fdOut, offset, length);
    }

    /**
     * splice(2) from {@code fdIn} into a pipe the library lends the call, and from the pipe to
     * {@code fdOut}. If {@code fdOut} fails or would block while the pipe holds bytes, those bytes
     * are not counted and the pipe is closed, so no stale byte reaches a later transfer.
     *
     * @throws ErrnoException if splice or pipe2 fails
     */
    public static long splice(int fdIn, int fdOut, long offset, long length) throws ErrnoException {
        Shim shim = shim();
        if (isEmpty(offset, length)) {
            return 0;
        }
        return Errors.check(shim.zc_splice(fdIn, fdOut, offset, length), TransferMethod.SPLICE.operation, fdIn, fdOut, offset, length);
    }

    /**
     * mmap(2) page-aligned windows (8 MiB) of {@code fdIn} and write(2) them to {@code fdOut}.
     * {@code fdIn} must be a regular file opened for reading; anything else fails with ENODEV (as
     * mmap answers a socket or pipe) or EACCES. A file truncated under a mapping does not raise
     * SIGBUS: the library never touches mapped memory itself, and the transfer ends at the new end
     * of file, rounded up to the page: the kernel zero-fills the rest of the last mapped page, so
     * a truncation racing the write may deliver up to one page of zeros past the new end, counted.
     *
     * @throws ErrnoException if fstat, mmap or write fails
     */
    public static long mmapWrite(int fdIn, int fdOut, long offset, long length) throws ErrnoException {
        Shim shim = shim();
        if (isEmpty(offset, length)) {
            return 0;
        }
        return Errors.check(shim.zc_mmap_write(fdIn, fdOut, offset, length), TransferMethod.MMAP_WRITE.operation, fdIn, fdOut, offset, length);
    }

    /**
     * The traditional baseline: pread(2) into a 256 KiB native buffer owned by the calling thread,
     * then write(2) it out; two CPU copies per byte.
     *
     * @throws ErrnoException if pread or write fails
     */
    public static long readWrite(int fdIn, int fdOut, long offset, long length) throws ErrnoException {
        Shim shim = shim();
        if (isEmpty(offset, length)) {
            return 0;
        }
        return Errors.check(shim.zc_read_write(fdIn, fdOut, offset, length), TransferMethod.READ_WRITE.operation, fdIn, fdOut, offset, length);
    }

    /**
     * copy_file_range(2): file to file inside the kernel. {@code fdOut} must be a regular file
     * (a socket or pipe gives EINVAL, an O_APPEND file EBADF); across filesystems older kernels
     * answer EXDEV. This raw method reports such errors; it does not fall back.
     *
     * @throws ErrnoException if copy_file_range fails
     */
    public static long copyFileRange(int fdIn, int fdOut, long offset, long length) throws ErrnoException {
        Shim shim = shim();
        if (isEmpty(offset, length)) {
            return 0;
        }
        return Errors.check(shim.zc_copy_file_range(fdIn, fdOut, offset, length), TransferMethod.COPY_FILE_RANGE.operation, fdIn, fdOut, offset, length);
    }

    /** The same as calling the method that {@code method} names. */
    public static long transfer(TransferMethod method, int fdIn, int fdOut, long offset, long length) throws ErrnoException {
        return Errors.check(raw(method, fdIn, fdOut, offset, length), method.operation, fdIn, fdOut, offset, length);
    }

    /**
     * As {@link #transfer}, but the result tells end of file from a target that would block, as
     * {@link java.nio.channels.ReadableByteChannel#read} tells end of stream from "nothing now":
     * {@link #END_OF_FILE} (-1) when {@code fdIn} has no byte at {@code offset}; 0 when a
     * non-blocking {@code fdOut} would block before the first byte (or {@code length} is 0); else
     * the bytes moved (fewer than asked when the file ended or the target filled up meanwhile; the
     * next call says which). Use it wherever {@code fdOut} may be non-blocking, e.g. the fd of a
     * SocketChannel that a virtual thread has used.
     *
     * @throws ErrnoException as {@link #transfer} does
     */
    public static long transferNonBlocking(TransferMethod method, int fdIn, int fdOut, long offset, long length)
            throws ErrnoException {
        return nonBlockingResult(raw(method, fdIn, fdOut, offset, length), method, fdIn, fdOut, offset, length);
    }

    /**
     * A shim answer as {@link #transferNonBlocking} returns it: the bytes moved, END_OF_FILE for
     * a 0 (with nothing moved the shim answers 0 only at end of file), 0 for WOULD_BLOCK, or the
     * failure thrown. Also the channel layer's, for its one-sendfile call.
     */
    static long nonBlockingResult(long r, TransferMethod method, int fdIn, int fdOut, long offset, long length)
            throws ErrnoException {
        if (r > 0 || length == 0) {
            return r;
        }
        if (r == 0) {
            return END_OF_FILE;
        }
        return Errors.check(r, method.operation, fdIn, fdOut, offset, length); // 0 for Errors.WOULD_BLOCK
    }

    /** The shim's answer: bytes (0: end of file), Errors.WOULD_BLOCK, or -errno. */
    private static long raw(TransferMethod method, int fdIn, int fdOut, long offset, long length) {
        Objects.requireNonNull(method, "method");
        Shim shim = shim();
        if (isEmpty(offset, length)) {
            return 0;
        }
        switch (method) {
            case READ_WRITE:
                return shim.zc_read_write(fdIn, fdOut, offset, length);
            case MMAP_WRITE:
                return shim.zc_mmap_write(fdIn, fdOut, offset, length);
            case SENDFILE:
                return shim.zc_sendfile(fdIn, fdOut, offset, length);
            case SPLICE:
                return shim.zc_splice(fdIn, fdOut, offset, length);
            case COPY_FILE_RANGE:
                return shim.zc_copy_file_range(fdIn, fdOut, offset, length);
            default:
                throw new AssertionError(method);
        }
    }

    /** Validates arguments; true when there is nothing to do (length 0). */
    static boolean isEmpty(long offset, long length) {
        if (offset < 0) {
            throw new IllegalArgumentException("negative offset: " + offset);
        }
        if (length < 0) {
            throw new IllegalArgumentException("negative length: " + length);
        }
        return length == 0;
    }
}
