package dev.zerocopy.lab;

import jnr.ffi.LibraryLoader;
import jnr.ffi.annotations.Out;

/**
 * The calling thread's user and system CPU time from getrusage(RUSAGE_THREAD) (getrusage(2)):
 * microsecond figures, where the JVM's thread user time is counted in scheduler ticks.
 */
final class ThreadCpu {
    /** RUSAGE_THREAD from sys/resource.h (Linux 2.6.26+). */
    private static final int RUSAGE_THREAD = 1;
    /** struct rusage on x86_64: two struct timeval (2 longs each) and 14 longs. */
    private static final int RUSAGE_LONGS = 18;

    /** libc's getrusage, the struct read as an array of longs. */
    public interface LibC {
        int getrusage(int who, @Out long[] usage);
    }

    private static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");

    private ThreadCpu() {
    }

    /** {user ns, system ns} of the calling thread so far. */
    static long[] now() {
        long[] u = new long[RUSAGE_LONGS];
        if (LIBC.getrusage(RUSAGE_THREAD, u) != 0) {
            throw new IllegalStateException("getrusage(RUSAGE_THREAD) failed");
        }
        return new long[] {u[0] * 1_000_000_000L + u[1] * 1000, u[2] * 1_000_000_000L + u[3] * 1000};
    }
}
