package dev.zerocopy;

/**
 * The calling thread's counters at one instant, from {@link Measurement#threadUsage()}, or over a
 * span (a {@link MeasureResult}, or the difference of two snapshots); the
 * difference of two ({@link #minus}) is what the code between them cost. Used to measure a batch
 * of transfers, or a path outside the library (NIO) under the same clock and counters.
 *
 * @param wallNanos CLOCK_MONOTONIC
 * @param syscalls syscalls made by the library's shim in this thread (not those of other code)
 * @param userNanos user CPU time of the thread (getrusage RUSAGE_THREAD)
 * @param systemNanos system CPU time of the thread
 * @param minorFaults minor page faults of the thread
 * @param majorFaults major page faults of the thread
 * @param voluntaryContextSwitches times the thread blocked
 * @param involuntaryContextSwitches times the scheduler preempted it
 * @param threadCpuNanos CPU time of the thread from CLOCK_THREAD_CPUTIME_ID (exact; the
 *     user/system split of getrusage is sampled at the scheduler tick)
 */
public record ThreadUsage(
        long wallNanos,
        long syscalls,
        long userNanos,
        long systemNanos,
        long minorFaults,
        long majorFaults,
        long voluntaryContextSwitches,
        long involuntaryContextSwitches,
        long threadCpuNanos) {

    /* Indices into the int64 array native/zc_measure.c fills (enum zc_usage_field); the record's order. */
    private static final int WALL_NS = 0;
    private static final int SYSCALLS = 1;
    private static final int USER_NS = 2;
    private static final int SYSTEM_NS = 3;
    private static final int MINOR_FAULTS = 4;
    private static final int MAJOR_FAULTS = 5;
    private static final int VOLUNTARY_CS = 6;
    private static final int INVOLUNTARY_CS = 7;
    private static final int THREAD_CPU_NS = 8;
    /** Number of int64 fields (ZC_USAGE_FIELDS). */
    static final int FIELDS = 9;

    /** The record of a native usage array. */
    static ThreadUsage read(jnr.ffi.Pointer u) {
        return new ThreadUsage(
                u.getLong(WALL_NS * Long.BYTES),
                u.getLong(SYSCALLS * Long.BYTES),
                u.getLong(USER_NS * Long.BYTES),
                u.getLong(SYSTEM_NS * Long.BYTES),
                u.getLong(MINOR_FAULTS * Long.BYTES),
                u.getLong(MAJOR_FAULTS * Long.BYTES),
                u.getLong(VOLUNTARY_CS * Long.BYTES),
                u.getLong(INVOLUNTARY_CS * Long.BYTES),
                u.getLong(THREAD_CPU_NS * Long.BYTES));
    }

    /** This minus an earlier snapshot of the same thread, field by field. */
    public ThreadUsage minus(ThreadUsage earlier) {
        return new ThreadUsage(
                wallNanos - earlier.wallNanos,
                syscalls - earlier.syscalls,
                userNanos - earlier.userNanos,
                systemNanos - earlier.systemNanos,
                minorFaults - earlier.minorFaults,
                majorFaults - earlier.majorFaults,
                voluntaryContextSwitches - earlier.voluntaryContextSwitches,
                involuntaryContextSwitches - earlier.involuntaryContextSwitches,
                threadCpuNanos - earlier.threadCpuNanos);
    }

    /** This plus another difference, field by field (to total several measured spans). */
    public ThreadUsage plus(ThreadUsage other) {
        return new ThreadUsage(
                wallNanos + other.wallNanos,
                syscalls + other.syscalls,
                userNanos + other.userNanos,
                systemNanos + other.systemNanos,
                minorFaults + other.minorFaults,
                majorFaults + other.majorFaults,
                voluntaryContextSwitches + other.voluntaryContextSwitches,
                involuntaryContextSwitches + other.involuntaryContextSwitches,
                threadCpuNanos + other.threadCpuNanos);
    }

    /** User plus system CPU time, from getrusage (tick-sampled; {@link #threadCpuNanos} is exact). */
    public long cpuNanos() {
        return userNanos + systemNanos;
    }
}
