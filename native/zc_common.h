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

/*
 * write(2) all n bytes of buf to out, retrying EINTR and short writes, adding
 * what reaches out to p->moved. Returns ZC_WRITTEN, ZC_WOULD_BLOCK (EAGAIN on a
 * non-blocking target: p->moved tells how far it got), or -errno.
 */
int zc_write_all(int out, const char *buf, size_t n, zc_progress *p);

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

/* Size of one mmap window (a multiple of any page size); the JDK maps 8 MiB too. */
#define ZC_MMAP_WINDOW ((int64_t)8 * 1024 * 1024)

/* Capacity the splice pipe is grown to (the default pipe-max-size for unprivileged users). */
#define ZC_PIPE_SIZE (1024 * 1024)

#endif
