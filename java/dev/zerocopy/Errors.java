package dev.zerocopy;

import dev.zerocopy.ShimBinding.Shim;

/** The one place that turns the shim's -errno results into exceptions. */
final class Errors {
    private Errors() {
    }

    /**
     * Returns {@code result} when it is a byte count, and 0 for the shim's "would block before the
     * first byte" ({@link NativeLibrary#WOULD_BLOCK}: NIO counts that as 0 too); otherwise throws
     * the ErrnoException it stands for. The bytes moved before the failure and the failing syscall
     * are read from the calling thread's shim state, which every exported function sets on every
     * return (native/zc_state.c), so they are those of the call that just failed.
     */
    static long check(long result, String operation, int fdIn, int fdOut, long offset, long length)
            throws ErrnoException {
        if (result >= 0) {
            return result;
        }
        if (result == NativeLibrary.WOULD_BLOCK) {
            return 0;
        }
        throw failure((int) -result, operation, fdIn, fdOut, offset, length, "");
    }

    /** As {@link #check(long, String, int, int, long, long)}, with {@code detail} appended to a failure's message. */
    static long check(long result, String operation, int fdIn, int fdOut, long offset, long length, String detail)
            throws ErrnoException {
        if (result >= 0 || result == NativeLibrary.WOULD_BLOCK) {
            return check(result, operation, fdIn, fdOut, offset, length);
        }
        throw failure((int) -result, operation, fdIn, fdOut, offset, length, detail);
    }

    private static ErrnoException failure(int errno, String operation, int fdIn, int fdOut, long offset, long length,
            String detail) {
        Shim shim = NativeLibrary.shim();
        long moved = shim.zc_last_moved();
        String syscall = shim.zc_syscall_name(shim.zc_last_failed_call());
        String name = errnoName(errno);
        String where = syscall.equals(operation) ? "" : " in " + syscall;
        String message = String.format("%s(in=%d, out=%d, offset=%d, length=%d) failed%s: %s (%s), %d bytes transferred",
                operation, fdIn, fdOut, offset, length, where, name, shim.zc_strerror(errno), moved);
        return new ErrnoException(message + detail, errno, name, syscall, moved);
    }

    /**
     * The exception for a failed syscall that moved no bytes and left no thread state (the channel
     * layer's fcntl of a duplicate): names {@code syscall} and 0 bytes, never an earlier call's.
     */
    static ErrnoException ofSyscall(long result, String syscall, int fd) {
        int errno = (int) -result;
        Shim shim = NativeLibrary.shim();
        String name = errnoName(errno);
        String message = String.format("%s(fd=%d) failed: %s (%s), 0 bytes transferred", syscall, fd, name, shim.zc_strerror(errno));
        return new ErrnoException(message, errno, name, syscall, 0);
    }

    /** Symbolic name of errno, e.g. "EPIPE"; "errno N" for a number Linux does not name. */
    static String errnoName(int errno) {
        String name = NativeLibrary.shim().zc_errno_name(errno);
        return name != null ? name : "errno " + errno;
    }

    /**
     * A failed call that moves no bytes (pinning, a device setting, a mapping): what was done, the
     * syscall that failed as the shim recorded it in the thread state, and the errno.
     */
    static ErrnoException callFailed(long result, String what) {
        int errno = (int) -result;
        Shim shim = NativeLibrary.shim();
        String syscall = shim.zc_syscall_name(shim.zc_last_failed_call());
        String name = errnoName(errno);
        String message = what + " failed in " + syscall + ": " + name + " (" + shim.zc_strerror(errno) + ")";
        return new ErrnoException(message, errno, name, syscall, 0);
    }
}
