/* tee(2): duplicates pipe contents into another pipe without consuming them (page references). */

#include <errno.h>
#include <fcntl.h>
#include <sys/types.h>

#include "zc_common.h"

/*
 * One tee(2) of up to length bytes from pipe in to pipe out (EINTR retried).
 * tee can only duplicate what is in the pipe now, so it is not looped: the
 * caller consumes what was duplicated from in, then tees again. Returns the
 * bytes duplicated (0: in is empty and has no writer), or -errno (EAGAIN with
 * non_blocking and nothing to do).
 */
ZC_EXPORT int64_t zc_tee(int in, int out, int64_t length, int non_blocking)
{
    zc_progress p = {0};
    for (;;) {
        p.syscalls++;
        ssize_t n = tee(in, out, zc_chunk(length, ZC_MAX_CHUNK), non_blocking ? SPLICE_F_NONBLOCK : 0u);
        if (n >= 0) {
            p.moved = n;
            return zc_done(&p);
        }
        if (errno != EINTR) {
            return zc_fail(&p, ZC_SYS_TEE, errno);
        }
    }
}
