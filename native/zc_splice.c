/*
 * splice(2) file -> a pipe lent by the pool (zc_pipe_pool.c) -> out. Page
 * references move through the pipe; no byte is copied by the CPU where the
 * target can take pages.
 */

#include <errno.h>
#include <fcntl.h>
#include <sys/types.h>

#include "zc_common.h"

ZC_EXPORT int64_t zc_splice(int in, int out, int64_t offset, int64_t length)
{
    zc_progress p = {0};
    length = zc_clamp_length(offset, length);
    zc_pipe pipe;
    int rc = zc_pipe_take(&pipe, &p);
    if (rc < 0) {
        return zc_fail(&p, ZC_SYS_PIPE2, -rc);
    }
    loff_t pos = offset;
    while (p.moved < length) {
        p.syscalls++;
        ssize_t n = splice(in, &pos, pipe.fds[1], NULL, zc_chunk(length - p.moved, pipe.size), SPLICE_F_MOVE);
        if (n == 0) {
            break; /* end of file */
        }
        if (n < 0) {
            if (errno == EINTR && zc_retry_eintr(&p)) {
                continue;
            }
            /* The pipe is empty here (each chunk is drained before the next), so it can be reused. */
            int err = errno;
            zc_pipe_give(&pipe);
            return zc_fail(&p, ZC_SYS_SPLICE, err);
        }
        /*
         * Move all n bytes now in the pipe to out. No SPLICE_F_NONBLOCK is needed for a
         * non-blocking out: the kernel takes it from out's own O_NONBLOCK (MSG_DONTWAIT for a
         * socket, SPLICE_F_NONBLOCK for a pipe in do_splice), and our pipe is never empty here,
         * the one case where the flag would matter.
         */
        int64_t before = p.moved;
        int d = zc_splice_pipe_loop(pipe.fds[0], out, NULL, n, SPLICE_F_MOVE, &p);
        if (d != ZC_WRITTEN || p.moved - before != n) {
            /* The pipe may still hold bytes that never reached out: no later transfer may get them. */
            zc_pipe_drop(&pipe);
            if (d == ZC_WOULD_BLOCK) {
                return zc_blocked(&p);
            }
            return zc_fail(&p, ZC_SYS_SPLICE, d < 0 ? -d : EIO); /* 0 with bytes in the pipe cannot happen */
        }
    }
    zc_pipe_give(&pipe);
    return zc_done(&p);
}
