package dev.zerocopy;

import java.util.Objects;

import jnr.ffi.Pointer;

/**
 * What transfers cost the calling thread: {@link #measure} runs one transfer between two
 * snapshots of the thread's counters taken in C, {@link #threadUsage} takes one snapshot for
 * measuring anything else (a batch, or NIO) with the same counters. The unmeasured methods of
 * {@link NativeZeroCopy} pay none of this.
 *
 * <p>Only the calling thread is counted: work the kernel defers to other threads (a receiver
 * copying out of a loopback socket, writeback of a file target) is not in these figures.
 */
public final class Measurement {
    /** Per thread, one native array reused by every measurement, so measure() allocates only its result. */
    private static final ThreadLocal<Pointer> USAGE = ThreadLocal.withInitial(
            () -> jnr.ffi.Memory.allocateDirect(jnr.ffi.Runtime.getRuntime(NativeLibrary.shim()),
                    ThreadUsage.FIELDS * Long.BYTES));

    private Measurement() {
    }

    /**
     * Runs one transfer exactly as {@link NativeZeroCopy#transfer} does, and reports what it cost
     * the calling thread: bytes, the syscalls the shim made (counted exactly), wall time, user and
     * system CPU time (and their exact sum from the thread CPU clock), page faults and context
     * switches (getrusage RUSAGE_THREAD before and after, in C).
     *
     * @throws ErrnoException if the transfer fails, as the plain method would
     * @throws IllegalArgumentException on a negative offset or length
     */
    public static MeasureResult measure(TransferMethod method, int fdIn, int fdOut, long offset, long length)
            throws ErrnoException {
        Objects.requireNonNull(method, "method");
        NativeZeroCopy.isEmpty(offset, length);
        Pointer delta = USAGE.get();
        long result = NativeLibrary.shim().zc_measure(method.measureId, fdIn, fdOut, offset, length, delta);
        long bytes = Errors.check(result, method.operation, fdIn, fdOut, offset, length);
        return new MeasureResult(method, bytes, ThreadUsage.read(delta));
    }

    /**
     * The calling thread's counters now (wall clock, the shim's syscall count, getrusage
     * RUSAGE_THREAD, the thread CPU clock); subtract two snapshots ({@link ThreadUsage#minus}).
     *
     * @throws ErrnoException if getrusage fails
     */
    public static ThreadUsage threadUsage() throws ErrnoException {
        Pointer u = USAGE.get();
        Errors.check(NativeLibrary.shim().zc_usage_snapshot(u), "getrusage", -1, -1, 0, 0);
        return ThreadUsage.read(u);
    }
}
