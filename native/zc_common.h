/*
 * Shared declarations of the native-zerocopy shim.
 *
 * Return convention for every exported transfer function: the number of bytes
 * moved (>= 0), or -errno. Bytes moved before a failure, and which syscall
 * failed, are kept in the calling thread's state (zc_state.c) and read by the
 * Java side only on its failure path.
 */
#ifndef ZC_COMMON_H
#define ZC_COMMON_H

#include <stddef.h>
#include <stdint.h>

#define ZC_EXPORT __attribute__((visibility("default")))

/*
 * Largest count a single read/write/sendfile/splice/copy_file_range moves:
 * MAX_RW_COUNT = INT_MAX & PAGE_MASK, 0x7ffff000 with 4 KiB pages (sendfile(2),
 * NOTES). Requests are clamped to it so no call relies on the kernel's own cap.
 */
#define ZC_MAX_CHUNK ((int64_t)0x7ffff000)

/* The syscalls a transfer can fail in; names are in zc_state.c (zc_syscall_name). */
enum zc_syscall {
    ZC_SYS_NONE = 0,
    ZC_SYS_SENDFILE,
    ZC_SYS_SPLICE,
    ZC_SYS_MMAP,
    ZC_SYS_FSTAT,
    ZC_SYS_PREAD,
    ZC_SYS_WRITE,
    ZC_SYS_COPY_FILE_RANGE,
    ZC_SYS_PIPE2,
    ZC_SYS_MALLOC,
    /* kernel experiments (MSG_ZEROCOPY, batches, header+body, tee/vmsplice) */
    ZC_SYS_SETSOCKOPT,
    ZC_SYS_GETSOCKOPT,
    ZC_SYS_SEND,
    ZC_SYS_RECVMSG,
    ZC_SYS_POLL,
    ZC_SYS_TEE,
    ZC_SYS_VMSPLICE,
    ZC_SYS_COUNT
};

/* Progress of one transfer, kept on the stack of the transfer function. */
typedef struct zc_progress {
    int64_t moved;    /* bytes that reached the target */
    int64_t syscalls; /* syscalls made, counted exactly */
} zc_progress;

/* Records p in the thread state; returns p->moved. */
int64_t zc_done(const zc_progress *p);

/* Records p and the failing syscall in the thread state; returns -err. */
int64_t zc_fail(const zc_progress *p, enum zc_syscall call, int err);

/* The count to ask of one syscall when `remaining` bytes are still wanted. */
static inline size_t zc_chunk(int64_t remaining, int64_t cap)
{
    return (size_t)(remaining < cap ? remaining : cap);
}

/*
 * The part of [offset, offset + length) that off_t can address. The kernel refuses a range
 * whose end wraps past INT64_MAX (rw_verify_area: EINVAL for pread and splice, EOVERFLOW for
 * copy_file_range) even when the range starts past end of file, where the contract is to return
 * 0; no file holds a byte at INT64_MAX, so clamping loses nothing.
 */
static inline int64_t zc_clamp_length(int64_t offset, int64_t length)
{
    return length > INT64_MAX - offset ? INT64_MAX - offset : length;
}

/* Outcome of zc_write_all besides -errno. */
#define ZC_WRITTEN 0
#define ZC_WOULD_BLOCK 1
/* zc_sendfile_range: stopped before `length` at end of file or because the target would block. */
#define ZC_SHORT 2

/*
 * write(2) all n bytes of buf to out, retrying EINTR and short writes, adding
 * what reaches out to p->moved. Returns ZC_WRITTEN, ZC_WOULD_BLOCK (EAGAIN on a
 * non-blocking target: p->moved tells how far it got), or -errno.
 */
int zc_write_all(int out, const char *buf, size_t n, zc_progress *p);

/* zc_write_all with send(2) and flags (MSG_NOSIGNAL is always added): for sockets only. */
int zc_send_all(int out, const char *buf, size_t n, int flags, zc_progress *p);

/*
 * The sendfile loop of zc_sendfile, for callers that send several ranges in
 * one call (zc_sendfile_batch.c): sends length bytes of in from offset to out,
 * adding what moves to p->moved. Returns ZC_WRITTEN when all of it moved,
 * ZC_SHORT at end of file or when a non-blocking out would block, or -errno.
 */
int zc_sendfile_range(int in, int out, int64_t offset, int64_t length, zc_progress *p);

/* Exported entry points that other shim files (zc_measure.c) and the C tests (native/test) call. */
int64_t zc_sendfile(int in, int out, int64_t offset, int64_t length);
int64_t zc_splice(int in, int out, int64_t offset, int64_t length);
int64_t zc_mmap_write(int in, int out, int64_t offset, int64_t length);
int64_t zc_read_write(int in, int out, int64_t offset, int64_t length);
int64_t zc_copy_file_range(int in, int out, int64_t offset, int64_t length);
int64_t zc_last_moved(void);
int64_t zc_thread_syscalls(void);
int zc_last_failed_call(void);
int zc_abi_version(void);
const char *zc_syscall_name(int call);
const char *zc_errno_name(int err);
const char *zc_strerror(int err);

/*
 * The calling thread's splice pipe, created on first use with pipe2(O_CLOEXEC)
 * and grown with F_SETPIPE_SZ; closed when the thread exits. Returns 0 and
 * fills fds[0] (read end) and fds[1] (write end), or -errno.
 */
int zc_thread_pipe(int fds[2], zc_progress *p);

/* Closes the thread's pipe (it may still hold bytes); the next call makes a new one. */
void zc_thread_pipe_discard(void);

/* The capacity of the thread's pipe in bytes (valid after zc_thread_pipe). */
int64_t zc_thread_pipe_size(void);

/* The calling thread's copy buffer for read+write, allocated on first use; NULL if malloc failed. */
char *zc_thread_buffer(void);

/* Size of the buffer zc_thread_buffer returns. */
#define ZC_COPY_BUFFER_SIZE ((size_t)256 * 1024)

/* A mapped window of a source file (zc_mmap_window.c): bytes [skip, len) of map are the ones asked for. */
typedef struct zc_window {
    char *map;
    size_t len;
    int64_t skip;
} zc_window;

/* Current size of the regular file in, or -errno (-ENODEV for anything else, as mmap(2) answers); *call names the failure. */
int64_t zc_source_size(int in, zc_progress *p, enum zc_syscall *call);

/*
 * Maps the window of in that holds file position pos, covering up to `want`
 * bytes from it (capped at end of file and ZC_MMAP_WINDOW). Returns 1 with w
 * filled, 0 at end of file, or -errno with *call naming the failed syscall.
 */
int zc_window_map(int in, int64_t pos, int64_t want, zc_window *w, zc_progress *p, enum zc_syscall *call);

/* Unmaps w; every path that mapped a window calls it (HAZARDS 10). */
void zc_window_unmap(zc_window *w, zc_progress *p);

/*
 * After EFAULT from a syscall reading a window: true when the file now ends
 * at or before `end`, i.e. it shrank under the mapping and the transfer ends
 * at the new end of file, as sendfile would (HAZARDS 9).
 */
int zc_window_truncated(int in, int64_t end, zc_progress *p);

/* Size of one mmap window (a multiple of any page size); the JDK maps 8 MiB too. */
#define ZC_MMAP_WINDOW ((int64_t)8 * 1024 * 1024)

/* Capacity the splice pipe is grown to (the default pipe-max-size for unprivileged users). */
#define ZC_PIPE_SIZE (1024 * 1024)

#endif
