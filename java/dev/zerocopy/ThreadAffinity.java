package dev.zerocopy;

/**
 * Pins the calling thread to one CPU with sched_setaffinity(2), for measurements whose figures
 * must not depend on where the scheduler happens to put a sender and its receiver (what
 * netperf -T and iperf3 -A do; compare --cpus uses it). A JVM platform thread is one kernel
 * thread, so this pins exactly the caller; do not call it from a virtual thread, whose carrier
 * would stay pinned after it moves on.
 */
public final class ThreadAffinity {
    private ThreadAffinity() {
    }

    /**
     * @throws ErrnoException EINVAL when the CPU does not exist or is outside the CPUs this
     *     process may use (taskset, cgroup cpuset)
     */
    public static void pinCurrentThread(int cpu) throws ErrnoException {
        int r = NativeLibrary.shim().zc_pin_thread(cpu);
        if (r < 0) {
            throw Errors.callFailed(r, "pinning the calling thread to CPU " + cpu);
        }
    }
}
