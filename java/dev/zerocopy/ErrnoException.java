package dev.zerocopy;

import java.io.IOException;

/**
 * A syscall made by a transfer failed. Carries the errno, its symbolic name, the syscall that
 * failed, and how many bytes reached the target before it failed, so nothing is lost silently.
 */
public class ErrnoException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int errno;
    private final String errnoName;
    private final String syscall;
    private final long bytesTransferred;

    ErrnoException(String message, int errno, String errnoName, String syscall, long bytesTransferred) {
        super(message);
        this.errno = errno;
        this.errnoName = errnoName;
        this.syscall = syscall;
        this.bytesTransferred = bytesTransferred;
    }

    /** The positive errno value, e.g. 32 for EPIPE. */
    public int errno() {
        return errno;
    }

    /** The symbolic name, e.g. {@code "EPIPE"}, or {@code "errno N"} for a number Linux does not name. */
    public String errnoName() {
        return errnoName;
    }

    /**
     * The syscall that failed, as its man page names it: sendfile, splice, mmap, fstat, pread, write,
     * copy_file_range, pipe2, setsockopt, getsockopt, send, recvmsg, poll, tee, vmsplice; or malloc
     * when the per-thread copy buffer could not be allocated (ENOMEM).
     */
    public String syscall() {
        return syscall;
    }

    /** Bytes that reached the target before the failure; the caller may resume at offset + this. */
    public long bytesTransferred() {
        return bytesTransferred;
    }
}
