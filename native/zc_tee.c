/*
 * Raw pipe primitives: tee(2) duplicates pipe contents without consuming them,
 * vmsplice(2) maps user pages into a pipe, and splice(2) between a pipe and
 * any fd at its current position. Page references move; the CPU copies nothing.
 */

#include <errno.h>
#include <fcntl.h>
#include <sys/uio.h>

#include "zc_common.h"

/*
 * One tee(2) of up to length bytes from pipe in to pipe out (EINTR retried).
 * tee can only duplicate what is in the pipe now, so it is not looped: the
 * caller consumes what was duplicated from in, then tees again. Returns the
 * bytes duplicated (0: in is empty and has no writer), or -errno (EAGAIN with
 * SPLICE_F_NONBLOCK and nothing to do).
 */
ZC_EXPORT int64_t zc_tee(int in, int out, int64_t length, int flags)
{
    zc_progress p = {0};
    for (;;) {
        p.syscalls++;
        ssize_t n = tee(in, out, zc_chunk(length, ZC_MAX_CHUNK), (unsigned int)flags);
        if (n >= 0) {
            p.moved = n;
            return zc_done(&p);
        }
        if (errno != EINTR) {
            return zc_fail(&p, ZC_SYS_TEE, errno);
        }
    }
}

/*
 * vmsplice(2) length bytes at buf into the pipe out, looping over partial
 * calls. Without SPLICE_F_GIFT the pipe holds references to the caller's pages:
 * the bytes a reader gets are whatever those pages hold when it reads, so buf
 * must not change until the bytes are consumed. Stops early (short count) when
 * SPLICE_F_NONBLOCK is given and the pipe is full. Returns bytes or -errno.
 */
ZC_EXPORT int64_t zc_vmsplice(int out, const char *buf, int64_t length, int flags)
{
    zc_progress p = {0};
    /* On a pipe's read end vmsplice(2) would read from the pipe INTO buf: refuse it as EBADF. */
    p.syscalls++;
    int fl = fcntl(out, F_GETFL);
    if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY) {
        return zc_fail(&p, ZC_SYS_VMSPLICE, fl < 0 ? errno : EBADF);
    }
    while (p.moved < length) {
        struct iovec iov = {.iov_base = (void *)(buf + p.moved), .iov_len = zc_chunk(length - p.moved, ZC_MAX_CHUNK)};
        p.syscalls++;
        ssize_t n = vmsplice(out, &iov, 1, (unsigned int)flags);
        if (n > 0) {
            p.moved += n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && errno == EAGAIN) {
            break;
        } else {
            return zc_fail(&p, ZC_SYS_VMSPLICE, n < 0 ? errno : EIO);
        }
    }
    return zc_done(&p);
}

/*
 * splice(2) length bytes from in to out where one of them is a pipe, at the
 * current position of each (no offsets: a pipe has none). Loops until length
 * moved, the input pipe is empty with no writer (0), or a non-blocking side
 * would block. Returns bytes or -errno.
 */
ZC_EXPORT int64_t zc_splice_stream(int in, int out, int64_t length, int flags)
{
    zc_progress p = {0};
    while (p.moved < length) {
        p.syscalls++;
        ssize_t n = splice(in, NULL, out, NULL, zc_chunk(length - p.moved, ZC_MAX_CHUNK), (unsigned int)flags);
        if (n > 0) {
            p.moved += n;
        } else if (n == 0) {
            break;
        } else if (errno == EINTR) {
            continue;
        } else if (errno == EAGAIN) {
            break;
        } else {
            return zc_fail(&p, ZC_SYS_SPLICE, errno);
        }
    }
    return zc_done(&p);
}
