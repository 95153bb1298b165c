/* vmsplice(2): user pages into a pipe as references, without a copy. */

#include <errno.h>
#include <fcntl.h>
#include <sys/uio.h>

#include "zc_common.h"

/*
 * vmsplice(2) length bytes at buf into the pipe out, looping over partial
 * calls. Without SPLICE_F_GIFT the pipe holds references to the caller's pages:
 * the bytes a reader gets are whatever those pages hold when it reads, so buf
 * must not change until the bytes are consumed. Stops early (short count) when
 * non_blocking (SPLICE_F_NONBLOCK) and the pipe is full. Returns bytes or -errno.
 */
ZC_EXPORT int64_t zc_vmsplice(int out, const char *buf, int64_t length, int non_blocking)
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
        ssize_t n = vmsplice(out, &iov, 1, non_blocking ? SPLICE_F_NONBLOCK : 0u);
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
