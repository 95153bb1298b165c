package dev.zerocopy;

/**
 * A sendfile(2) inside {@link KernelExperiments#sendfileBatch} failed: the {@link ErrnoException}
 * of that sendfile (errno, syscall, {@link #bytesTransferred()} of the whole batch before the
 * failure), plus which item failed and the bytes each item moved.
 */
public final class SendfileBatchException extends ErrnoException {
    private static final long serialVersionUID = 2L;

    private final int item;
    private final long[] counts;

    SendfileBatchException(int item, long[] counts, ErrnoException failure) {
        super("sendfileBatch item " + item + " failed: " + failure.getMessage(), failure.errno(), failure.errnoName(),
                failure.syscall(), failure.bytesTransferred());
        this.item = item;
        this.counts = counts;
    }

    /** Index of the item whose sendfile failed; items before it moved in full. */
    public int item() {
        return item;
    }

    /** Bytes moved per item, including the failed item's bytes before its failure. */
    public long[] counts() {
        return counts.clone();
    }
}
