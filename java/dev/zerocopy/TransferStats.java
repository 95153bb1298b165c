package dev.zerocopy;

/**
 * What one transfer cost, as {@link NativeZeroCopy#measure} saw it from the calling thread.
 *
 * @param method the path taken
 * @param bytes bytes moved (what the plain call would have returned)
 * @param syscalls syscalls the shim made for this transfer, counted exactly in C
 * @param wallNanos elapsed wall-clock time (CLOCK_MONOTONIC)
 * @param userNanos user CPU time of the calling thread (getrusage RUSAGE_THREAD)
 * @param systemNanos system CPU time of the calling thread
 * @param minorFaults minor page faults of the calling thread (mmap+write shows its faults here)
 * @param majorFaults major page faults (the page had to be read from disk)
 * @param voluntaryContextSwitches the thread blocked, e.g. on a full socket buffer or pipe
 * @param involuntaryContextSwitches the scheduler took the CPU away
 * @param threadCpuNanos CPU time of the calling thread from CLOCK_THREAD_CPUTIME_ID: exact, where
 *     the user/system split of getrusage is sampled at the scheduler tick
 * @param cpuCopies CPU copies of each byte in the classic model (with a scatter-gather device)
 * @param dmaCopies DMA copies of each byte in the classic model
 */
public record TransferStats(
        TransferMethod method,
        long bytes,
        long syscalls,
        long wallNanos,
        long userNanos,
        long systemNanos,
        long minorFaults,
        long majorFaults,
        long voluntaryContextSwitches,
        long involuntaryContextSwitches,
        long threadCpuNanos,
        int cpuCopies,
        int dmaCopies) {

    /** User plus system CPU time of the calling thread, from getrusage (tick-sampled). */
    public long cpuNanos() {
        return userNanos + systemNanos;
    }

    /** Throughput in GB/s (10^9 bytes per second); 0 when no time elapsed. */
    public double gigabytesPerSecond() {
        return wallNanos > 0 ? (double) bytes / wallNanos : 0;
    }
}
