package dev.zerocopy.testkit;

import jnr.ffi.LibraryLoader;

/**
 * The libc calls the tests make directly, for kernel objects the JDK does not offer or hides
 * (raw pipes and socketpairs, O_APPEND or write-only descriptors, fcntl, gettid). Constants are
 * the Linux x86_64 values, the only platform the library builds for.
 */
public final class Libc {
    private Libc() {
    }

    /** The binding; method names and argument order are libc's. */
    public interface Calls {
        int pipe2(int[] fds, int flags);

        int close(int fd);

        int open(String path, int flags, int mode);

        int fcntl(int fd, int cmd, int arg);

        int socketpair(int domain, int type, int protocol, int[] sv);

        long read(int fd, byte[] buf, long count);

        long write(int fd, byte[] buf, long count);

        int ftruncate(int fd, long length);

        int gettid();

        String strerror(int errnum);
    }

    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_RDWR = 2;
    public static final int O_CREAT = 0100;
    public static final int O_APPEND = 02000;
    public static final int O_NONBLOCK = 04000;
    public static final int O_CLOEXEC = 02000000;
    public static final int F_GETFL = 3;
    public static final int F_SETFL = 4;
    public static final int F_GETPIPE_SZ = 1032;
    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_CLOEXEC = 02000000;

    public static final Calls LIBC = LibraryLoader.create(Calls.class).load("c");

    /** pipe2(O_CLOEXEC): {read end, write end}, closed by the caller. */
    public static int[] pipe() {
        int[] fds = new int[2];
        check(LIBC.pipe2(fds, O_CLOEXEC), "pipe2");
        return fds;
    }

    /** A connected AF_UNIX stream socketpair, closed by the caller. */
    public static int[] socketPair() {
        int[] fds = new int[2];
        check(LIBC.socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), "socketpair");
        return fds;
    }

    /** open(2) with O_CLOEXEC added; fails the test if the kernel refuses. */
    public static int open(String path, int flags) {
        return check(LIBC.open(path, flags | O_CLOEXEC, 0600), "open " + path);
    }

    public static void setNonBlocking(int fd) {
        int flags = check(LIBC.fcntl(fd, F_GETFL, 0), "fcntl(F_GETFL)");
        check(LIBC.fcntl(fd, F_SETFL, flags | O_NONBLOCK), "fcntl(F_SETFL)");
    }

    /** Closes each fd that is not negative, ignoring errors. */
    public static void closeQuietly(int... fds) {
        for (int fd : fds) {
            if (fd >= 0) {
                LIBC.close(fd);
            }
        }
    }

    private static int check(int rc, String what) {
        if (rc < 0) {
            throw new IllegalStateException(what + " failed");
        }
        return rc;
    }
}
