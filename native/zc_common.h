/*
 * Shared declarations of the native-zerocopy shim.
 *
 * Return convention for every exported function that can fail: a count (>= 0:
 * bytes moved, or what the function measures), or -errno. The five transfer
 * paths also answer ZC_WOULD_BLOCK_RESULT when a non-blocking target would
 * block before the first byte, so that 0 from them means end of file only.
 * Every such function ends through zc_done, zc_fail or zc_blocked, which
 * record the bytes moved by THIS call and the syscall that failed (ZC_SYS_NONE
 * on success) in the calling thread's state (zc_state.c); the Java side reads
 * that state only on its failure path, so it can never see an earlier call's.
 */
#ifndef ZC_COMMON_H
#define ZC_COMMON_H

#include <fcntl.h>
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
    /* descriptors and measurement */
    ZC_SYS_FCNTL,
    ZC_SYS_CLOSE,
    ZC_SYS_GETRUSAGE,
    /* measurement support: pinning, device features, a mapping kept open */
    ZC_SYS_SCHED_SETAFFINITY,
    ZC_SYS_SOCKET,
    ZC_SYS_IOCTL,
    ZC_SYS_MUNMAP,
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

/*
 * What a transfer path returns when a non-blocking target would block before
 * its first byte: below every -errno (errno values stop at 4095), so it is
 * never taken for a failure or a count.
 */
#define ZC_WOULD_BLOCK_RESULT ((int64_t)-4097)

/* Records p (nothing moved, no failure); returns ZC_WOULD_BLOCK_RESULT when p moved nothing, else p->moved. */
int64_t zc_blocked(const zc_progress *p);

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

/* Whether fd is in non-blocking mode (one F_GETFL; 0 if that fails, so a caller goes on as if blocking). */
static inline int zc_non_blocking(int fd, zc_progress *p)
{
    p->syscalls++;
    int fl = fcntl(fd, F_GETFL);
    return fl >= 0 && (fl & O_NONBLOCK) != 0;
}

/* Outcomes of the shared loops besides -errno: all of it moved, the target would block, end of file. */
#define ZC_WRITTEN 0
#define ZC_WOULD_BLOCK 1
#define ZC_END_OF_FILE 2

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
 * ZC_END_OF_FILE, ZC_WOULD_BLOCK (a non-blocking out answered EAGAIN or took
 * less than asked: one sendfile per short count, not a second for the EAGAIN),
 * or -errno.
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
int64_t zc_would_block_result(void);
int zc_last_failed_call(void);
int zc_abi_version(void);
const char *zc_syscall_name(int call);
const char *zc_errno_name(int err);
const char *zc_strerror(int err);

/* A transfer path: zc_sendfile, zc_splice, zc_mmap_write, zc_read_write, zc_copy_file_range share this shape. */
typedef int64_t (*zc_transfer_fn)(int, int, int64_t, int64_t);

/* Method ids of zc_measure and zc_chan_transfer; must match TransferMethod.measureId. */
#define ZC_METHOD_READ_WRITE 1
#define ZC_METHOD_MMAP_WRITE 2
#define ZC_METHOD_SENDFILE 3
#define ZC_METHOD_SPLICE 4
#define ZC_METHOD_COPY_FILE_RANGE 5

/* The path for a method id, or NULL (zc_channels.c). */
zc_transfer_fn zc_transfer_by_method(int method);

/*
 * Whether the transfer loops (sendfile, splice, read+write, mmap+write, copy_file_range) retry a
 * syscall that EINTR interrupted, p being the call's progress: they do (HAZARDS 4), except inside
 * zc_chan_transfer, which retries once and returns -EINTR, with what moved, on a second EINTR
 * with no byte moved since the first (zc_state.c).
 */
int zc_retry_eintr(const zc_progress *p);
void zc_set_retry_eintr(int retry);

/* A pipe lent to one transfer by the process-wide pool (zc_pipe_pool.c). */
typedef struct zc_pipe {
    int fds[2];   /* read end, write end */
    int64_t size; /* capacity in bytes */
} zc_pipe;

/* Lends an empty pipe (an idle one, or a new one made with pipe2). Returns 0 or -errno. */
int zc_pipe_take(zc_pipe *pp, zc_progress *p);

/* Gives an EMPTY pipe back for reuse (or closes it when the pool is full). */
void zc_pipe_give(zc_pipe *pp);

/* Closes a pipe that may still hold bytes no later transfer may see. */
void zc_pipe_drop(zc_pipe *pp);

/* Exported for the Java side and the C tests: the pool's size setting, pages held, and closing idle pipes. */
void zc_pipe_configure(int size);
int64_t zc_pipe_held_pages(void);
void zc_pipe_release_idle(void);

/*
 * splice(2) up to length bytes from in to out where one of them is a pipe:
 * at out's current position, or at *out_pos (advanced) when out_pos is set.
 * Adds what moves to p->moved. Returns ZC_WRITTEN, ZC_END_OF_FILE (in is an
 * empty pipe without writers), ZC_WOULD_BLOCK, or -errno (zc_splice_stream.c).
 */
int zc_splice_pipe_loop(int in, int out, int64_t *out_pos, int64_t length, unsigned int flags, zc_progress *p);

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

/* Capacity splice pipes are grown to by default (the default pipe-max-size for unprivileged users). */
#define ZC_PIPE_SIZE (1024 * 1024)

#endif
