package dev.zerocopy;

import java.io.IOException;

/**
 * A sendfile(2) inside a batch failed. Says which item failed and how far the batch got; the
 * {@link ErrnoException} cause carries the errno.
 */
public final class SendfileBatchException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int item;
    private final long[] counts;
    private final long bytesTransferred;

    SendfileBatchException(int item, long[] counts, long bytesTransferred, ErrnoException cause) {
        super("sendfileBatch item " + item + " failed: " + cause.getMessage(), cause);
        this.item = item;
        this.counts = counts;
        this.bytesTransferred = bytesTransferred;
    }

    /** Index of the item whose sendfile failed; items before it moved in full. */
    public int item() {
        return item;
    }

    /** Bytes moved per item, including the failed item's bytes before its failure. */
    public long[] counts() {
        return counts.clone();
    }

    /** Total bytes that reached the target before the failure. */
    public long bytesTransferred() {
        return bytesTransferred;
    }

    /** The errno of the failed sendfile, e.g. 9 for EBADF. */
    public int errno() {
        return ((ErrnoException) getCause()).errno();
    }

    /** Its symbolic name, e.g. "EBADF". */
    public String errnoName() {
        return ((ErrnoException) getCause()).errnoName();
    }
}
