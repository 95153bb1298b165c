/*
 * Pins the calling thread to one CPU, for measurements that must not depend on where the
 * scheduler puts the sender and the receiver (compare --cpus, like netperf -T and iperf3 -A).
 * sched_setaffinity(2) with pid 0 acts on the calling thread only, and a JVM thread is one
 * kernel thread.
 */
#include <errno.h>
#include <sched.h>

#include "zc_common.h"

/* 0, or -errno: EINVAL for a CPU outside the set the process may use (or out of range). */
ZC_EXPORT int zc_pin_thread(int cpu)
{
    zc_progress p = {.syscalls = 1};
    if (cpu < 0 || cpu >= CPU_SETSIZE) {
        return (int)zc_fail(&p, ZC_SYS_SCHED_SETAFFINITY, EINVAL);
    }
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) {
        return (int)zc_fail(&p, ZC_SYS_SCHED_SETAFFINITY, errno);
    }
    return (int)zc_done(&p);
}
