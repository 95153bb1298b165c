package dev.zerocopy.hazards;

import jnr.ffi.LibraryLoader;

/** Shared helpers of the hazard tests: raw libc calls the JDK does not offer (pipes, socketpairs, fcntl). */
final class Support {
    private Support() {
    }

    /**
     * The few libc calls the tests need raw (pipe2, close, open, fcntl, socketpair, setsockopt).
     * Constants are the Linux x86_64 values: the library supports only Linux x86_64.
     */
    public interface LibC {
        int O_RDONLY = 0;
        int O_WRONLY = 1;
        int O_RDWR = 2;
        int O_CREAT = 0100;
        int O_TRUNC = 01000;
        int O_APPEND = 02000;
        int O_NONBLOCK = 04000;
        int O_CLOEXEC = 02000000;
        int F_GETFL = 3;
        int F_SETFL = 4;
        int F_SETPIPE_SZ = 1031;
        int F_GETPIPE_SZ = 1032;
        int AF_UNIX = 1;
        int SOCK_STREAM = 1;
        int SOCK_CLOEXEC = 02000000;
        int SOL_SOCKET = 1;
        int SO_SNDBUF = 7;
        int SO_RCVBUF = 8;
        int SO_LINGER = 13;

        int pipe2(int[] fds, int flags);

        int close(int fd);

        int open(String path, int flags, int mode);

        int fcntl(int fd, int cmd, int arg);

        int socketpair(int domain, int type, int protocol, int[] sv);

        int setsockopt(int fd, int level, int name, int[] value, int len);

        long read(int fd, byte[] buf, long count);

        long write(int fd, byte[] buf, long count);

        int ftruncate(int fd, long length);
    }

    static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");

    /** A pair of fds from pipe2(O_CLOEXEC) or socketpair, closed by the test. */
    static int[] pipe() {
        int[] fds = new int[2];
        check(LIBC.pipe2(fds, LibC.O_CLOEXEC), "pipe2");
        return fds;
    }

    static int[] socketPair() {
        int[] fds = new int[2];
        check(LIBC.socketpair(LibC.AF_UNIX, LibC.SOCK_STREAM | LibC.SOCK_CLOEXEC, 0, fds), "socketpair");
        return fds;
    }

    static void setNonBlocking(int fd) {
        int flags = LIBC.fcntl(fd, LibC.F_GETFL, 0);
        check(flags, "fcntl(F_GETFL)");
        check(LIBC.fcntl(fd, LibC.F_SETFL, flags | LibC.O_NONBLOCK), "fcntl(F_SETFL)");
    }

    static void closeQuietly(int... fds) {
        for (int fd : fds) {
            if (fd >= 0) {
                LIBC.close(fd);
            }
        }
    }

    static int check(int rc, String what) {
        if (rc < 0) {
            throw new IllegalStateException(what + " failed");
        }
        return rc;
    }
}
