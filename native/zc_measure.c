/*
 * Measurement around one transfer: wall clock, the thread's syscall counter
 * (zc_state.c) and getrusage(RUSAGE_THREAD). Only zc_measure pays for it; the
 * plain transfer functions are untouched. Pairs with NativeZeroCopy.measure
 * and NativeZeroCopy.threadUsage on the Java side.
 */

#include <errno.h>
#include <sys/resource.h>
#include <time.h>

#include "zc_common.h"

/* Layout of the int64 array both functions fill; mirrored by ZC_USAGE_* in NativeZeroCopy.java. */
enum zc_usage_field {
    ZC_USAGE_WALL_NS = 0,   /* CLOCK_MONOTONIC */
    ZC_USAGE_SYSCALLS,      /* zc_thread_syscalls(): syscalls made by the shim, counted exactly */
    ZC_USAGE_USER_NS,       /* ru_utime of the calling thread */
    ZC_USAGE_SYSTEM_NS,     /* ru_stime */
    ZC_USAGE_MINOR_FAULTS,  /* ru_minflt */
    ZC_USAGE_MAJOR_FAULTS,  /* ru_majflt */
    ZC_USAGE_VOLUNTARY_CS,  /* ru_nvcsw */
    ZC_USAGE_INVOLUNTARY_CS,/* ru_nivcsw */
    ZC_USAGE_THREAD_CPU_NS, /* CLOCK_THREAD_CPUTIME_ID: exact; the rusage split is sampled per tick */
    ZC_USAGE_FIELDS
};

static int64_t timeval_ns(struct timeval tv)
{
    return (int64_t)tv.tv_sec * 1000000000 + (int64_t)tv.tv_usec * 1000;
}

/* Fills u[ZC_USAGE_FIELDS] with the calling thread's counters now. Returns 0 or -errno. */
static int snapshot(int64_t *u)
{
    struct timespec ts;
    struct timespec cpu;
    struct rusage ru;
    /* RUSAGE_THREAD (Linux 2.6.26+): the JVM runs many threads; only this one's cost counts. */
    if (getrusage(RUSAGE_THREAD, &ru) != 0) {
        return -errno;
    }
    /* Both cannot fail with these clock ids; the thread CPU clock is a (cheap) syscall. */
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
    clock_gettime(CLOCK_MONOTONIC, &ts); /* vDSO */
    u[ZC_USAGE_WALL_NS] = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    u[ZC_USAGE_SYSCALLS] = zc_thread_syscalls();
    u[ZC_USAGE_USER_NS] = timeval_ns(ru.ru_utime);
    u[ZC_USAGE_SYSTEM_NS] = timeval_ns(ru.ru_stime);
    u[ZC_USAGE_MINOR_FAULTS] = ru.ru_minflt;
    u[ZC_USAGE_MAJOR_FAULTS] = ru.ru_majflt;
    u[ZC_USAGE_VOLUNTARY_CS] = ru.ru_nvcsw;
    u[ZC_USAGE_INVOLUNTARY_CS] = ru.ru_nivcsw;
    u[ZC_USAGE_THREAD_CPU_NS] = (int64_t)cpu.tv_sec * 1000000000 + cpu.tv_nsec;
    return 0;
}

/* The calling thread's counters now, into usage[ZC_USAGE_FIELDS] (9 int64s). Returns 0 or -errno. */
ZC_EXPORT int zc_usage_snapshot(int64_t *usage)
{
    zc_progress p = {0};
    int rc = snapshot(usage);
    return rc < 0 ? (int)zc_fail(&p, ZC_SYS_GETRUSAGE, -rc) : (int)zc_done(&p);
}

/*
 * Runs one transfer with `method` and writes what it cost into
 * delta[ZC_USAGE_FIELDS] (after minus before), on success and on failure.
 * Returns what the transfer returns: bytes moved, or -errno. The snapshots
 * themselves make one getrusage each, outside the counted syscalls.
 */
ZC_EXPORT int64_t zc_measure(int method, int in, int out, int64_t offset, int64_t length, int64_t *delta)
{
    zc_progress none = {0};
    zc_transfer_fn fn = zc_transfer_by_method(method);
    if (fn == NULL) {
        return zc_fail(&none, ZC_SYS_NONE, EINVAL); /* a Java bug, not a syscall's answer */
    }
    int64_t before[ZC_USAGE_FIELDS];
    int rc = snapshot(before);
    if (rc < 0) {
        return zc_fail(&none, ZC_SYS_GETRUSAGE, -rc);
    }
    /* fn records its own outcome in the thread state, which the snapshot after it leaves alone. */
    int64_t result = fn(in, out, offset, length);
    rc = snapshot(delta);
    if (rc < 0) {
        zc_progress after = {.moved = result > 0 ? result : zc_last_moved()};
        return zc_fail(&after, ZC_SYS_GETRUSAGE, -rc);
    }
    for (int i = 0; i < ZC_USAGE_FIELDS; i++) {
        delta[i] -= before[i];
    }
    return result;
}
