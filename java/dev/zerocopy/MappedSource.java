package dev.zerocopy;

/**
 * A source file mapped once, sent by ranges: what a message store does with its mapped segment.
 * {@link NativeZeroCopy#mmapWrite} maps and unmaps per call, which costs two syscalls and the page
 * faults again on every call and so loses to everything at small sizes; here the mapping is made
 * once, and each {@link #write} is one write(2) from it (one CPU copy, page cache to target, with
 * no fault after a page's first use). The mapping is read-only and shared; the file must not shrink
 * below it while it is used (write(2) then fails with EFAULT rather than raising SIGBUS).
 */
public final class MappedSource implements AutoCloseable {
    private final long address;
    private final long length;
    private volatile boolean closed;

    private MappedSource(long address, long length) {
        this.address = address;
        this.length = length;
    }

    /**
     * Maps [0, length) of fd read-only. {@code length} must not exceed the file's size: mmap(2)
     * accepts it, but the pages past the end of file cannot be read, so a later {@link #write} of
     * them fails with EFAULT.
     *
     * @throws ErrnoException EINVAL for a length of 0 or less, ENODEV when fd cannot be mapped
     *     (a socket or pipe), EACCES when it is not open for reading
     */
    public static MappedSource map(int fd, long length) throws ErrnoException {
        long addr = NativeLibrary.shim().zc_mapped_open(fd, length);
        if (addr < 0) {
            throw Errors.callFailed(addr, "mapping " + length + " bytes of fd " + fd);
        }
        return new MappedSource(addr, length);
    }

    /** Bytes mapped. */
    public long length() {
        return length;
    }

    /**
     * Writes [offset, offset + count) of the mapping to fdOut: all of it, or fewer bytes only when
     * fdOut is non-blocking and full.
     *
     * @throws IllegalArgumentException when the range is outside the mapping
     * @throws IllegalStateException after {@link #close}
     * @throws ErrnoException when write(2) fails; its bytesTransferred says how much arrived
     */
    public long write(int fdOut, long offset, long count) throws ErrnoException {
        if (offset < 0 || count < 0 || offset > length - count) {
            throw new IllegalArgumentException("range [" + offset + ", +" + count + ") outside the mapping of " + length + " bytes");
        }
        if (closed) {
            throw new IllegalStateException("the mapping is closed");
        }
        return Errors.check(NativeLibrary.shim().zc_mapped_write(fdOut, address, offset, count), "MappedSource.write", -1, fdOut,
                offset, count);
    }

    /** Unmaps; idempotent. Call it only when no {@link #write} is running. */
    @Override
    public synchronized void close() throws ErrnoException {
        if (closed) {
            return;
        }
        closed = true;
        int r = NativeLibrary.shim().zc_mapped_close(address, length);
        if (r < 0) {
            throw Errors.callFailed(r, "unmapping " + length + " bytes");
        }
    }
}
