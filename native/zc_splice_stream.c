/*
 * splice(2) between a pipe and any fd at the current position of each (a pipe
 * has none): the raw spliceStream call, and the loop that the splice path
 * (pipe -> target) and the receive path (pipe source -> file at an offset)
 * share.
 */

#include <errno.h>
#include <fcntl.h>
#include <sys/types.h>

#include "zc_common.h"

int zc_splice_pipe_loop(int in, int out, int64_t *out_pos, int64_t length, unsigned int flags, zc_progress *p)
{
    int64_t moved = 0;
    while (moved < length) {
        p->syscalls++;
        loff_t at = out_pos != NULL ? *out_pos : 0;
        ssize_t n = splice(in, NULL, out, out_pos != NULL ? &at : NULL, zc_chunk(length - moved, ZC_MAX_CHUNK), flags);
        if (n > 0) {
            moved += n;
            p->moved += n;
            if (out_pos != NULL) {
                *out_pos += n;
            }
        } else if (n == 0) {
            return ZC_END_OF_FILE; /* in is an empty pipe without writers */
        } else if (errno == EINTR && zc_retry_eintr(p)) {
            continue;
        } else if (errno == EAGAIN) {
            return ZC_WOULD_BLOCK;
        } else {
            return -errno;
        }
    }
    return ZC_WRITTEN;
}

/*
 * splice(2) length bytes from in to out where one of them is a pipe. Loops
 * until length moved, the input pipe is empty with no writer (0), or a
 * non-blocking side would block. Returns bytes or -errno.
 */
ZC_EXPORT int64_t zc_splice_stream(int in, int out, int64_t length, int non_blocking)
{
    zc_progress p = {0};
    int rc = zc_splice_pipe_loop(in, out, NULL, length, non_blocking ? SPLICE_F_NONBLOCK : 0, &p);
    return rc < 0 ? zc_fail(&p, ZC_SYS_SPLICE, -rc) : zc_done(&p);
}
