package dev.zerocopy;

import java.io.FileDescriptor;
import java.nio.channels.Channel;
import java.nio.channels.ClosedChannelException;
import java.util.Objects;

/**
 * Moves bytes between two file descriptors through one of Linux's kernel paths: sendfile(2),
 * splice(2), mmap(2)+write(2), pread(2)+write(2) and copy_file_range(2). One call into native code
 * moves a whole transfer; the loop over partial transfers runs in C.
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
 *     NIO's transferTo does.</li>
 * <li>Negative offset or length: {@link IllegalArgumentException}. A failed syscall:
 *     {@link ErrnoException} with the errno, its name, the syscall and
 *     {@link ErrnoException#bytesTransferred()}, the bytes that reached {@code fdOut} first.</li>
 * <li>Descriptors passed in are never closed. Pipes and mappings the library makes are released
 *     on every path; each thread keeps one pipe for splice, closed when the thread ends.</li>
 * <li>Thread-safe: any number of threads may transfer at once. Closing a descriptor while a
 *     transfer on it runs is the caller's race to avoid: the number may be reused (HAZARDS 13).</li>
 * <li>Signals: the library installs no handler. A peer that closed gives EPIPE (HotSpot ignores
 *     SIGPIPE); a file size limit gives a short count and then EFBIG (HotSpot ignores SIGXFSZ).</li>
 * </ul>
 */
public final class NativeZeroCopy {
    private static final Shim SHIM = loadedOrNull();

    private NativeZeroCopy() {
    }

    private static Shim loadedOrNull() {
        return NativeLibrary.cause() == null ? NativeLibrary.shim() : null;
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
     * splice(2) from {@code fdIn} into a pipe owned by the calling thread, and from the pipe to
     * {@code fdOut}. If {@code fdOut} fails or would block while the pipe holds bytes, those bytes
     * are not counted and the pipe is replaced, so no stale byte reaches a later transfer.
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
        switch (Objects.requireNonNull(method, "method")) {
            case READ_WRITE:
                return readWrite(fdIn, fdOut, offset, length);
            case MMAP_WRITE:
                return mmapWrite(fdIn, fdOut, offset, length);
            case SENDFILE:
                return sendfile(fdIn, fdOut, offset, length);
            case SPLICE:
                return splice(fdIn, fdOut, offset, length);
            case COPY_FILE_RANGE:
                return copyFileRange(fdIn, fdOut, offset, length);
            default:
                throw new AssertionError(method);
        }
    }

    /**
     * The int fd behind a FileDescriptor (e.g. from FileInputStream.getFD()), read without
     * reflection or JVM flags.
     *
     * @throws IllegalArgumentException if the descriptor is not valid (closed or never opened)
     */
    public static int fd(FileDescriptor descriptor) {
        shim(); // the JNI accessor lives in the same library: fail with its reason, not a bare link error
        int fd = FdAccess.fdOf(Objects.requireNonNull(descriptor, "descriptor"));
        if (fd < 0) {
            throw new IllegalArgumentException("the FileDescriptor is not valid (closed or never opened)");
        }
        return fd;
    }

    /**
     * The int fd behind a JDK channel: FileChannel, SocketChannel, ServerSocketChannel,
     * DatagramChannel, or the source or sink of a Pipe; or behind a {@link ZeroCopyFileChannel}. The fd stays owned by the channel: use it
     * only while the channel is open.
     *
     * @throws ClosedChannelException if the channel is closed
     * @throws IllegalArgumentException if the channel is not one of the JDK's, so has no fd to give
     */
    public static int fd(Channel channel) throws ClosedChannelException {
        shim();
        Objects.requireNonNull(channel, "channel");
        if (!channel.isOpen()) {
            throw new ClosedChannelException();
        }
        if (channel instanceof ZeroCopyFileChannel) {
            return ((ZeroCopyFileChannel) channel).descriptor(); // the library's own channel, as the JDK's
        }
        int fd = FdAccess.channelFd(channel);
        if (fd == FdAccess.NO_FD_FIELD) {
            throw new IllegalArgumentException(channel.getClass().getName() + " is not a JDK channel with a file descriptor");
        }
        if (fd < 0) {
            throw new ClosedChannelException();
        }
        return fd;
    }

    /** Syscalls the calling thread has made through the library so far (for measurement). */
    public static long threadSyscalls() {
        return shim().zc_thread_syscalls();
    }

    /** Validates arguments; true when there is nothing to do (length 0). */
    private static boolean isEmpty(long offset, long length) {
        if (offset < 0) {
            throw new IllegalArgumentException("negative offset: " + offset);
        }
        if (length < 0) {
            throw new IllegalArgumentException("negative length: " + length);
        }
        return length == 0;
    }

    // ---- measurement ----

    /* Indices into the int64 array of native/zc_measure.c (enum zc_usage_field). */
    private static final int ZC_USAGE_WALL_NS = 0;
    private static final int ZC_USAGE_SYSCALLS = 1;
    private static final int ZC_USAGE_USER_NS = 2;
    private static final int ZC_USAGE_SYSTEM_NS = 3;
    private static final int ZC_USAGE_MINOR_FAULTS = 4;
    private static final int ZC_USAGE_MAJOR_FAULTS = 5;
    private static final int ZC_USAGE_VOLUNTARY_CS = 6;
    private static final int ZC_USAGE_INVOLUNTARY_CS = 7;
    private static final int ZC_USAGE_THREAD_CPU_NS = 8;
    private static final int ZC_USAGE_FIELDS = 9;

    /** Per thread, one native array reused by every measurement, so measure() allocates only its result. */
    private static final ThreadLocal<jnr.ffi.Pointer> USAGE = ThreadLocal.withInitial(
            () -> jnr.ffi.Memory.allocateDirect(jnr.ffi.Runtime.getRuntime(shim()), ZC_USAGE_FIELDS * Long.BYTES));

    /**
     * Runs one transfer exactly as {@link #transfer} does, and reports what it cost the calling
     * thread: bytes, the syscalls the shim made (counted exactly), wall time, user and system CPU
     * time (and their exact sum from the thread CPU clock), page faults and context switches (getrusage RUSAGE_THREAD before and after, in C), and
     * the classic copy model of the path. The unmeasured methods pay none of this.
     *
     * <p>Only the calling thread is counted: work the kernel defers to other threads (a receiver
     * copying out of a loopback socket, writeback of a file target) is not in these figures.
     *
     * @throws ErrnoException if the transfer fails, as the plain method would
     * @throws IllegalArgumentException on a negative offset or length
     */
    public static TransferStats measure(TransferMethod method, int fdIn, int fdOut, long offset, long length)
            throws ErrnoException {
        Objects.requireNonNull(method, "method");
        isEmpty(offset, length);
        jnr.ffi.Pointer delta = USAGE.get();
        long result = shim().zc_measure(method.measureId, fdIn, fdOut, offset, length, delta);
        long bytes = Errors.check(result, method.operation, fdIn, fdOut, offset, length);
        return new TransferStats(method, bytes,
                delta.getLong(ZC_USAGE_SYSCALLS * Long.BYTES),
                delta.getLong(ZC_USAGE_WALL_NS * Long.BYTES),
                delta.getLong(ZC_USAGE_USER_NS * Long.BYTES),
                delta.getLong(ZC_USAGE_SYSTEM_NS * Long.BYTES),
                delta.getLong(ZC_USAGE_MINOR_FAULTS * Long.BYTES),
                delta.getLong(ZC_USAGE_MAJOR_FAULTS * Long.BYTES),
                delta.getLong(ZC_USAGE_VOLUNTARY_CS * Long.BYTES),
                delta.getLong(ZC_USAGE_INVOLUNTARY_CS * Long.BYTES),
                delta.getLong(ZC_USAGE_THREAD_CPU_NS * Long.BYTES),
                method.cpuCopiesWithGather(), method.dmaCopies());
    }

    /**
     * The calling thread's counters now (wall clock, the shim's syscall count, getrusage
     * RUSAGE_THREAD); subtract two snapshots to measure a batch of transfers, or code outside the
     * library, with the same counters {@link #measure} uses.
     *
     * @throws ErrnoException if getrusage fails
     */
    public static ThreadUsage threadUsage() throws ErrnoException {
        jnr.ffi.Pointer u = USAGE.get();
        Errors.check(shim().zc_usage_snapshot(u), "getrusage", -1, -1, 0, 0);
        return new ThreadUsage(
                u.getLong(ZC_USAGE_WALL_NS * Long.BYTES),
                u.getLong(ZC_USAGE_SYSCALLS * Long.BYTES),
                u.getLong(ZC_USAGE_USER_NS * Long.BYTES),
                u.getLong(ZC_USAGE_SYSTEM_NS * Long.BYTES),
                u.getLong(ZC_USAGE_MINOR_FAULTS * Long.BYTES),
                u.getLong(ZC_USAGE_MAJOR_FAULTS * Long.BYTES),
                u.getLong(ZC_USAGE_VOLUNTARY_CS * Long.BYTES),
                u.getLong(ZC_USAGE_INVOLUNTARY_CS * Long.BYTES),
                u.getLong(ZC_USAGE_THREAD_CPU_NS * Long.BYTES));
    }

    // ---- kernel experiments ----

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
     * <p>{@code fdOut} should be blocking. On a non-blocking socket the call stops at EAGAIN, but
     * still waits for the completions of what it sent before returning the count. End of file,
     * truncation and the offset/length rules are as for {@link #mmapWrite}.
     *
     * @return bytes sent, and how many sends were zero-copied, copied, or plain
     * @throws ErrnoException if setsockopt fails (EOPNOTSUPP: not a TCP or UDP socket), or fstat,
     *     mmap, send (EPIPE, ECONNRESET), recvmsg or poll fails
     */
    public static ZeroCopySendResult mmapSendZeroCopy(int fdIn, int fdOut, long offset, long length) throws ErrnoException {
        return KernelCalls.mmapSendZeroCopy(fdIn, fdOut, offset, length);
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
    public static BatchResult sendfileBatch(int fdOut, int[] fdIns, long[] offsets, long[] lengths)
            throws SendfileBatchException {
        long[] counts = new long[fdIns.length];
        long bytes = KernelCalls.sendfileBatch(fdOut, fdIns, offsets, lengths, counts);
        int completed = fdIns.length == 0 ? 0 : KernelCalls.lastBatchItem();
        return new BatchResult(bytes, completed, counts);
    }

    /**
     * As {@link #sendfileBatch(int, int[], long[], long[])}, with the per-item counts written to
     * {@code counts} (at least as long as {@code fdIns}); nothing is allocated in Java.
     *
     * @return total bytes moved; the first {@code i} with {@code counts[i] < lengths[i]} is where it stopped
     */
    public static long sendfileBatch(int fdOut, int[] fdIns, long[] offsets, long[] lengths, long[] counts)
            throws SendfileBatchException {
        return KernelCalls.sendfileBatch(fdOut, fdIns, offsets, lengths, counts);
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
    public static long sendWithHeader(int fdOut, java.nio.ByteBuffer header, int fdIn, long offset, long length,
            java.nio.ByteBuffer trailer) throws ErrnoException {
        return KernelCalls.sendWithHeader(fdOut, header, fdIn, offset, length, trailer);
    }

    /**
     * Data segments a TCP socket has sent so far (tcp_info.tcpi_data_segs_out): for measuring how
     * a response was cut into segments.
     *
     * @throws ErrnoException if getsockopt(TCP_INFO) fails (EOPNOTSUPP: not a TCP socket)
     */
    public static long tcpDataSegmentsOut(int fd) throws ErrnoException {
        return KernelCalls.tcpDataSegmentsOut(fd);
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
        return KernelCalls.tee(pipeIn, pipeOut, length, nonBlocking);
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
    public static long vmsplice(int pipeOut, java.nio.ByteBuffer src, boolean nonBlocking) throws ErrnoException {
        return KernelCalls.vmsplice(pipeOut, src, nonBlocking);
    }

    /**
     * splice(2) between a pipe and any fd at their current positions (no offsets): up to
     * {@code length} bytes, looping until they moved, the input pipe is empty with no writer left,
     * or a non-blocking side would block.
     *
     * @throws ErrnoException EINVAL if neither fd is a pipe, ESPIPE or EBADF as splice(2) says
     */
    public static long spliceStream(int fdIn, int fdOut, long length, boolean nonBlocking) throws ErrnoException {
        return KernelCalls.spliceStream(fdIn, fdOut, length, nonBlocking);
    }
}
