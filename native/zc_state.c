/*
 * Per-thread record of the last transfer: what it moved, the syscall that
 * failed, and a running count of syscalls. Read by the Java side after a
 * failure (to report bytesTransferred) and around a measured transfer.
 */
#include "zc_common.h"

/*
 * initial-exec: every transfer writes this state, and in a -fPIC library the default TLS model
 * costs a call to __tls_get_addr (through the PLT) per access, which perf showed next to
 * zc_done in the per-call profile of a 4 KiB sendfile (README, "The JMH suite and the raw C
 * floor"). initial-exec makes it one %fs-relative store. It takes 24 bytes of static TLS, which
 * glibc keeps in reserve for libraries loaded with dlopen (rtld.optional_static_tls, 512 bytes
 * by default).
 */
#define ZC_TLS __thread __attribute__((tls_model("initial-exec")))

static ZC_TLS int64_t last_moved;
static ZC_TLS int last_failed_call;
static ZC_TLS int64_t thread_syscalls;
/* Inverted so that a thread's zero-initialised TLS means "retry", the raw entry points' behaviour. */
static ZC_TLS int eintr_returns;
/* p->moved + 1 at the last EINTR of this zc_chan_transfer call; 0: none yet. */
static ZC_TLS int64_t eintr_at;

/*
 * A close from the JDK signals the thread again until it leaves (NativeThreadSet.signalAndWait:
 * every 50 ms) or turns the fd into a dead socket first (preClose), so a second EINTR without
 * progress is where the call must end; one retry keeps a transfer from starting over on any
 * single signal (a splice's file-to-pipe step would be redone each time).
 */
int zc_retry_eintr(const zc_progress *p)
{
    if (!eintr_returns) {
        return 1;
    }
    if (eintr_at == p->moved + 1) {
        return 0;
    }
    eintr_at = p->moved + 1;
    return 1;
}

void zc_set_retry_eintr(int retry)
{
    eintr_returns = !retry;
    eintr_at = 0;
}

int64_t zc_done(const zc_progress *p)
{
    last_moved = p->moved;
    last_failed_call = ZC_SYS_NONE;
    thread_syscalls += p->syscalls;
    return p->moved;
}

int64_t zc_fail(const zc_progress *p, enum zc_syscall call, int err)
{
    last_moved = p->moved;
    last_failed_call = call;
    thread_syscalls += p->syscalls;
    return -(int64_t)err;
}

int64_t zc_blocked(const zc_progress *p)
{
    int64_t moved = zc_done(p);
    return moved == 0 ? ZC_WOULD_BLOCK_RESULT : moved;
}

ZC_EXPORT int64_t zc_would_block_result(void)
{
    return ZC_WOULD_BLOCK_RESULT;
}

/* Bytes the calling thread's last transfer moved (the count before a failure). */
ZC_EXPORT int64_t zc_last_moved(void)
{
    return last_moved;
}

/* The zc_syscall that failed in the calling thread's last transfer (ZC_SYS_NONE if none). */
ZC_EXPORT int zc_last_failed_call(void)
{
    return last_failed_call;
}

/* Syscalls the calling thread has made through the shim since it started. */
ZC_EXPORT int64_t zc_thread_syscalls(void)
{
    return thread_syscalls;
}

/* Name of a zc_syscall, as the man pages spell it. */
ZC_EXPORT const char *zc_syscall_name(int call)
{
    static const char *const names[ZC_SYS_COUNT] = {
        [ZC_SYS_NONE] = "none",
        [ZC_SYS_SENDFILE] = "sendfile",
        [ZC_SYS_SPLICE] = "splice",
        [ZC_SYS_MMAP] = "mmap",
        [ZC_SYS_FSTAT] = "fstat",
        [ZC_SYS_PREAD] = "pread",
        [ZC_SYS_WRITE] = "write",
        [ZC_SYS_COPY_FILE_RANGE] = "copy_file_range",
        [ZC_SYS_PIPE2] = "pipe2",
        [ZC_SYS_MALLOC] = "malloc",
        [ZC_SYS_SETSOCKOPT] = "setsockopt",
        [ZC_SYS_GETSOCKOPT] = "getsockopt",
        [ZC_SYS_SEND] = "send",
        [ZC_SYS_RECVMSG] = "recvmsg",
        [ZC_SYS_POLL] = "poll",
        [ZC_SYS_TEE] = "tee",
        [ZC_SYS_VMSPLICE] = "vmsplice",
        [ZC_SYS_FCNTL] = "fcntl",
        [ZC_SYS_CLOSE] = "close",
        [ZC_SYS_GETRUSAGE] = "getrusage",
        [ZC_SYS_SCHED_SETAFFINITY] = "sched_setaffinity",
        [ZC_SYS_SOCKET] = "socket",
        [ZC_SYS_IOCTL] = "ioctl",
        [ZC_SYS_MUNMAP] = "munmap",
    };
    return call >= 0 && call < ZC_SYS_COUNT ? names[call] : "unknown";
}

/* Bumped whenever an exported signature changes; checked by NativeLibrary.java at load. */
ZC_EXPORT int zc_abi_version(void)
{
    return 2;
}
