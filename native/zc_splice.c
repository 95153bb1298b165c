/*
 * splice(2) file -> the thread's pipe -> out. Page references move through
 * the pipe; no byte is copied by the CPU where the target can take pages.
 */

#include <errno.h>
#include <fcntl.h>
#include <sys/types.h>

#include "zc_common.h"

/*
 * Moves all `n` bytes now in the pipe to out. Returns ZC_WRITTEN,
 * ZC_WOULD_BLOCK, or -errno. On anything but ZC_WRITTEN the pipe may still
 * hold bytes that never reached out; the caller discards it (HAZARDS 6).
 * No SPLICE_F_NONBLOCK is needed for a non-blocking out: the kernel takes it
 * from out's own O_NONBLOCK (MSG_DONTWAIT for a socket, SPLICE_F_NONBLOCK for
 * a pipe in do_splice), and our pipe is never empty here, the one case where
 * the flag would matter (NonBlockingTest).
 */
static int drain_pipe(int pipe_out, int out, int64_t n, zc_progress *p)
{
    while (n > 0) {
        p->syscalls++;
        ssize_t m = splice(pipe_out, NULL, out, NULL, (size_t)n, SPLICE_F_MOVE);
        if (m > 0) {
            p->moved += m;
            n -= m;
        } else if (m < 0 && errno == EINTR) {
            continue;
        } else if (m < 0 && errno == EAGAIN) {
            return ZC_WOULD_BLOCK;
        } else {
            return m < 0 ? -errno : -EIO; /* 0 with bytes in the pipe cannot happen */
        }
    }
    return ZC_WRITTEN;
}

ZC_EXPORT int64_t zc_splice(int in, int out, int64_t offset, int64_t length)
{
    zc_progress p = {0};
    length = zc_clamp_length(offset, length);
    int pipe_fds[2];
    int rc = zc_thread_pipe(pipe_fds, &p);
    if (rc < 0) {
        return zc_fail(&p, ZC_SYS_PIPE2, -rc);
    }
    int64_t pipe_size = zc_thread_pipe_size();
    loff_t pos = offset;
    while (p.moved < length) {
        p.syscalls++;
        ssize_t n = splice(in, &pos, pipe_fds[1], NULL, zc_chunk(length - p.moved, pipe_size), SPLICE_F_MOVE);
        if (n == 0) {
            break; /* end of file */
        }
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            /* The pipe is empty here (each chunk is drained before the next), so it stays usable. */
            return zc_fail(&p, ZC_SYS_SPLICE, errno);
        }
        int d = drain_pipe(pipe_fds[0], out, n, &p);
        if (d != ZC_WRITTEN) {
            zc_thread_pipe_discard();
            if (d == ZC_WOULD_BLOCK) {
                break;
            }
            return zc_fail(&p, ZC_SYS_SPLICE, -d);
        }
    }
    return zc_done(&p);
}
