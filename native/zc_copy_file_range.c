/*
 * copy_file_range(2): file to file inside the kernel (reflink or server-side
 * copy where the fs can). Two entry points share one loop: the raw path writes
 * at the target's file position, the channel layer's transferFrom at an
 * explicit target offset (neither file position moves).
 */

#include <errno.h>
#include <sys/types.h>
#include <unistd.h>

#include "zc_common.h"

/* Copies up to length bytes from in at in_pos to out at *out_pos, or at out's position when out_pos is NULL. */
static int64_t copy_loop(int in, int64_t in_pos, int out, int64_t *out_pos, int64_t length)
{
    zc_progress p = {0};
    length = zc_clamp_length(in_pos, length);
    if (out_pos != NULL) {
        length = zc_clamp_length(*out_pos, length);
    }
    loff_t in_at = in_pos;
    loff_t out_at = out_pos != NULL ? *out_pos : 0;
    while (p.moved < length) {
        p.syscalls++;
        ssize_t n = copy_file_range(in, &in_at, out, out_pos != NULL ? &out_at : NULL,
                                    zc_chunk(length - p.moved, ZC_MAX_CHUNK), 0);
        if (n > 0) {
            p.moved += n;
        } else if (n == 0) {
            break; /* end of file; procfs sources also answer 0 on some kernels (HAZARDS 5) */
        } else if (errno == EINTR && zc_retry_eintr(&p)) {
            continue;
        } else {
            return zc_fail(&p, ZC_SYS_COPY_FILE_RANGE, errno);
        }
    }
    return zc_done(&p);
}

ZC_EXPORT int64_t zc_copy_file_range(int in, int out, int64_t offset, int64_t length)
{
    return copy_loop(in, offset, out, NULL, length);
}

/* copy_file_range(2) from in at in_offset to out at out_offset; neither file position is used or moved. */
ZC_EXPORT int64_t zc_copy_file_range_at(int in, int64_t in_offset, int out, int64_t out_offset, int64_t length)
{
    return copy_loop(in, in_offset, out, &out_offset, length);
}
