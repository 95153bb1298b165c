package dev.zerocopy;

/**
 * What one transfer cost, as {@link Measurement#measure} saw it from the calling thread.
 *
 * @param method the path taken; its classic copy model is {@link TransferMethod#cpuCopiesWithGather()},
 *     {@link TransferMethod#cpuCopiesWithoutGather()} and {@link TransferMethod#dmaCopies()}
 * @param bytes bytes moved (what the plain call would have returned)
 * @param usage the calling thread's counters over the transfer: syscalls the shim made (exact),
 *     wall and CPU time, page faults (mmap+write shows its faults here), context switches
 */
public record MeasureResult(TransferMethod method, long bytes, ThreadUsage usage) {

    /** Throughput in GB/s (10^9 bytes per second); 0 when no time elapsed. */
    public double gigabytesPerSecond() {
        return usage.wallNanos() > 0 ? (double) bytes / usage.wallNanos() : 0;
    }
}
