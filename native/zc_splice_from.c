/*
 * Zero-copy receive for transferFrom: a socket (or pipe) -> a pooled pipe
 * -> a file at an explicit offset. splice(2) with off_out set writes at that
 * offset and leaves the file position alone, as FileChannel.transferFrom must.
 *
 * The hard part is the bytes in between. Once splice has taken bytes from a
 * socket into the pipe they are gone from the socket: they must reach the
 * file, or the caller must learn exactly how many were lost. So:
 *   - a pipe source is spliced straight to the file: a byte leaves the source
 *     pipe only when it is written, nothing can be stranded;
 *   - a socket source is taken at most one pipe-full at a time, and that
 *     pipe-full is written to the file before the next is taken. If the file
 *     refuses splice (EINVAL: a filesystem without splice_write, O_APPEND),
 *     the rest of the pipe-full is written with read(2)+pwrite(2) instead;
 *   - only when pwrite fails too (ENOSPC, EFBIG, EIO) are bytes lost; the call
 *     returns -errno, zc_last_moved() says how many reached the file and
 *     zc_splice_from_lost() how many were taken from the source and dropped.
 */

#include <errno.h>
#include <fcntl.h>
#include <sys/types.h>
#include <unistd.h>

#include "zc_common.h"

/* Bytes the calling thread's last zc_splice_from took from its source but could not write (set on every call). */
static __thread int64_t lost;

ZC_EXPORT int64_t zc_splice_from_lost(void)
{
    return lost;
}

/* Writes the n bytes at the head of the pipe with read(2)+pwrite(2) at *pos. Returns 0 or -errno. */
static int copy_out(int pipe_in, int out, loff_t *pos, int64_t n, zc_progress *p, enum zc_syscall *call)
{
    char *buf = zc_thread_buffer();
    if (buf == NULL) {
        *call = ZC_SYS_MALLOC;
        return -ENOMEM;
    }
    while (n > 0) {
        p->syscalls++;
        ssize_t r = read(pipe_in, buf, zc_chunk(n, (int64_t)ZC_COPY_BUFFER_SIZE));
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            *call = ZC_SYS_PREAD;
            return r < 0 ? -errno : -EIO; /* the pipe holds n bytes: 0 cannot happen */
        }
        ssize_t off = 0;
        while (off < r) {
            p->syscalls++;
            ssize_t w = pwrite(out, buf + off, (size_t)(r - off), *pos);
            if (w < 0 && errno == EINTR) {
                continue;
            }
            if (w <= 0) {
                *call = ZC_SYS_WRITE;
                return w < 0 ? -errno : -EIO;
            }
            off += w;
            *pos += w;
            p->moved += w;
        }
        n -= r;
    }
    return 0;
}

/* Moves the n bytes now in the pipe to out at *pos. Returns 0 or -errno (then *call says where). */
static int pipe_to_file(int pipe_in, int out, loff_t *pos, int64_t n, zc_progress *p, enum zc_syscall *call)
{
    while (n > 0) {
        p->syscalls++;
        loff_t at = *pos;
        ssize_t m = splice(pipe_in, NULL, out, &at, (size_t)n, SPLICE_F_MOVE);
        if (m > 0) {
            p->moved += m;
            *pos += m;
            n -= m;
        } else if (m < 0 && errno == EINTR) {
            continue;
        } else {
            /* Refused or failed: the bytes are still in the pipe, try the plain way. */
            return copy_out(pipe_in, out, pos, n, p, call);
        }
    }
    return 0;
}

/*
 * Moves up to `length` bytes from in (a socket or a pipe, read at its current
 * position, i.e. consumed) to out at `offset`. `in_is_pipe` != 0 splices the
 * pipe straight to out. Returns the bytes written to out: less than length at
 * end of stream or when a non-blocking in has nothing more (EAGAIN); or -errno.
 */
ZC_EXPORT int64_t zc_splice_from(int in, int out, int64_t offset, int64_t length, int in_is_pipe)
{
    zc_progress p = {0};
    int64_t pos = offset;
    lost = 0;
    if (in_is_pipe) {
        int rc = zc_splice_pipe_loop(in, out, &pos, length, SPLICE_F_MOVE, &p);
        return rc < 0 ? zc_fail(&p, ZC_SYS_SPLICE, -rc) : zc_done(&p);
    }
    zc_pipe pipe;
    int rc = zc_pipe_take(&pipe, &p);
    if (rc < 0) {
        return zc_fail(&p, ZC_SYS_PIPE2, -rc);
    }
    while (p.moved < length) {
        p.syscalls++;
        /* Never more than length - moved: bytes past the count must stay in the socket. */
        ssize_t n = splice(in, NULL, pipe.fds[1], NULL, zc_chunk(length - p.moved, pipe.size), SPLICE_F_MOVE);
        if (n == 0) {
            break; /* end of stream */
        }
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN) {
                break; /* non-blocking source has nothing more; the pipe is empty */
            }
            int err = errno;
            zc_pipe_give(&pipe);
            return zc_fail(&p, ZC_SYS_SPLICE, err);
        }
        int64_t before = p.moved;
        enum zc_syscall call = ZC_SYS_SPLICE;
        loff_t at = pos;
        int w = pipe_to_file(pipe.fds[0], out, &at, n, &p, &call);
        pos = at;
        if (w < 0) {
            lost = n - (p.moved - before);
            zc_pipe_drop(&pipe); /* it holds the lost bytes */
            return zc_fail(&p, call, -w);
        }
    }
    zc_pipe_give(&pipe);
    return zc_done(&p);
}
