/* copy_file_range(2): file to file inside the kernel (reflink or server-side copy where the fs can). */

#include <errno.h>
#include <sys/types.h>
#include <unistd.h>

#include "zc_common.h"

ZC_EXPORT int64_t zc_copy_file_range(int in, int out, int64_t offset, int64_t length)
{
    zc_progress p = {0};
    length = zc_clamp_length(offset, length);
    off_t pos = offset;
    while (p.moved < length) {
        p.syscalls++;
        /* off_out NULL: write at out's file position, which the kernel advances. */
        ssize_t n = copy_file_range(in, &pos, out, NULL, zc_chunk(length - p.moved, ZC_MAX_CHUNK), 0);
        if (n > 0) {
            p.moved += n;
        } else if (n == 0) {
            break; /* end of file; procfs sources also answer 0 on some kernels (HAZARDS 5) */
        } else if (errno == EINTR) {
            continue;
        } else {
            return zc_fail(&p, ZC_SYS_COPY_FILE_RANGE, errno);
        }
    }
    return zc_done(&p);
}
