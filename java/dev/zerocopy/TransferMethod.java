package dev.zerocopy;

/**
 * The kernel paths a transfer can take, each with its cost in the classic model (docs/classic-model.md
 * and the README, "The four paths in the classic model"): data copies made by the CPU and by DMA engines. This enum is the
 * one place those figures live; the comparison tool prints them next to what a run really costs
 * (measured, not modelled). The model is for a page-cached file sent to a NIC.
 */
public enum TransferMethod {
    /** pread(2) into a native buffer, then write(2): page cache -> user buffer -> socket buffer. */
    READ_WRITE("read + write", 2, 2, 2, "readWrite", 1),
    /** mmap(2) windows of the source, write(2) from them: page faults instead of the read copy. */
    MMAP_WRITE("mmap + write", 1, 1, 2, "mmapWrite", 2),
    /**
     * sendfile(2). With a scatter-gather device the socket buffer holds page references and the
     * NIC gathers them (the 2.4+ path, no CPU copy); without one the kernel copies into the
     * socket buffer (the 2.1 path).
     */
    SENDFILE("sendfile", 0, 1, 2, "sendfile", 3),
    /** splice(2) file -> a pipe owned by the library -> target: page references move through the pipe. */
    SPLICE("splice via pipe", 0, 1, 2, "splice", 4),
    /**
     * copy_file_range(2), file to file only: the kernel copies page cache to page cache (one
     * in-kernel copy), or shares extents (reflink) or asks the server (NFS, SMB) where it can.
     */
    COPY_FILE_RANGE("copy_file_range", 1, 1, 2, "copy_file_range", 5);

    private final String path;
    private final int cpuCopiesWithGather;
    private final int cpuCopiesWithoutGather;
    private final int dmaCopies;
    /** The operation named in ErrnoException messages: the NativeZeroCopy method, or the syscall. */
    final String operation;
    /** ZC_METHOD_* of native/zc_measure.c, spelled out so reordering the constants cannot shift it. */
    final int measureId;

    TransferMethod(String path, int cpuCopiesWithGather, int cpuCopiesWithoutGather, int dmaCopies,
                   String operation, int measureId) {
        this.path = path;
        this.cpuCopiesWithGather = cpuCopiesWithGather;
        this.cpuCopiesWithoutGather = cpuCopiesWithoutGather;
        this.dmaCopies = dmaCopies;
        this.operation = operation;
        this.measureId = measureId;
    }

    /** A short human name of the path, e.g. "splice via pipe". */
    public String path() {
        return path;
    }

    /** CPU copies of each byte in the classic model when the egress device does scatter-gather. */
    public int cpuCopiesWithGather() {
        return cpuCopiesWithGather;
    }

    /** CPU copies of each byte when it does not (e.g. {@code ethtool -K dev sg off}): the kernel-2.1 style. */
    public int cpuCopiesWithoutGather() {
        return cpuCopiesWithoutGather;
    }

    /** DMA copies of each byte: disk -> page cache and socket buffer -> NIC (or page cache -> disk). */
    public int dmaCopies() {
        return dmaCopies;
    }
}
