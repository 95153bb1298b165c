/* sendfile(2): file pages to any fd, no user-space copy. */

#include <errno.h>
#include <sys/sendfile.h>
#include <sys/types.h>

#include "zc_common.h"

ZC_EXPORT int64_t zc_sendfile(int in, int out, int64_t offset, int64_t length)
{
    zc_progress p = {0};
    off_t pos = offset;
    while (p.moved < length) {
        p.syscalls++;
        ssize_t n = sendfile(out, in, &pos, zc_chunk(length - p.moved, ZC_MAX_CHUNK));
        if (n > 0) {
            p.moved += n;
        } else if (n == 0) {
            /* End of file (or truncated under us): asking again would spin forever (HAZARDS 2). */
            break;
        } else if (errno == EINTR) {
            continue;
        } else if (errno == EAGAIN) {
            break; /* non-blocking target is full: report what moved, as NIO does */
        } else {
            return zc_fail(&p, ZC_SYS_SENDFILE, errno);
        }
    }
    return zc_done(&p);
}
