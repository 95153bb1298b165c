/* sendfile(2): file pages to any fd, no user-space copy. */

#include <errno.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "zc_common.h"

/*
 * sendfile answers EOVERFLOW to a position at or past the filesystems' maximum file size
 * (do_sendfile: pos >= s_maxbytes), where every other path reads end of file. Such a position is
 * past the end of `in` unless fstat says otherwise; only then is EOVERFLOW a real error.
 */
static int past_end_of_file(int in, off_t pos, zc_progress *p)
{
    struct stat st;
    p->syscalls++;
    return fstat(in, &st) == 0 && pos >= st.st_size;
}

int zc_sendfile_range(int in, int out, int64_t offset, int64_t length, zc_progress *p)
{
    length = zc_clamp_length(offset, length);
    off_t pos = offset;
    int64_t moved = 0;
    int non_blocking = -1; /* not asked yet */
    while (moved < length) {
        size_t asked = zc_chunk(length - moved, ZC_MAX_CHUNK);
        p->syscalls++;
        ssize_t n = sendfile(out, in, &pos, asked);
        if (n > 0) {
            moved += n;
            p->moved += n;
            /*
             * Short: a non-blocking out is full (or the file ended). Asking again would mostly
             * meet EAGAIN, and that sendfile still reads up to a pipe's worth (16 pages) of the
             * file into its internal pipe before the socket refuses them (splice_direct_to_actor
             * reads, then calls the actor). One F_GETFL, on this path only, tells it from a
             * blocking out, which goes on (a pipe takes what fits and the next call waits; a
             * socket is cut short by a signal); asked once per call, as a blocking pipe answers
             * short every pipe's worth. FileChannel.transferTo also makes one sendfile per call;
             * the end of file, if that was it, is found next call.
             */
            if ((size_t)n < asked) {
                if (non_blocking < 0) {
                    non_blocking = zc_non_blocking(out, p);
                }
                if (non_blocking) {
                    return ZC_WOULD_BLOCK;
                }
            }
        } else if (n == 0) {
            /* End of file (or truncated under us): asking again would spin forever. */
            return ZC_END_OF_FILE;
        } else if (errno == EINTR && zc_retry_eintr(p)) {
            continue;
        } else if (errno == EAGAIN) {
            return ZC_WOULD_BLOCK; /* non-blocking target is full: report what moved, as NIO does */
        } else {
            int err = errno; /* before fstat can change it */
            if (err == EOVERFLOW && past_end_of_file(in, pos, p)) {
                return ZC_END_OF_FILE;
            }
            return -err;
        }
    }
    return ZC_WRITTEN;
}

ZC_EXPORT int64_t zc_sendfile(int in, int out, int64_t offset, int64_t length)
{
    zc_progress p = {0};
    int rc = zc_sendfile_range(in, out, offset, length, &p);
    if (rc < 0) {
        return zc_fail(&p, ZC_SYS_SENDFILE, -rc);
    }
    return rc == ZC_WOULD_BLOCK ? zc_blocked(&p) : zc_done(&p);
}
