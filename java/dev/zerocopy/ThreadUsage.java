package dev.zerocopy;

/**
 * The calling thread's counters at one instant, from {@link NativeZeroCopy#threadUsage()}; the
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
