/* The traditional baseline: pread(2) into a per-thread native buffer, write(2) it out. */

#include <errno.h>
#include <sys/types.h>
#include <unistd.h>

#include "zc_common.h"

ZC_EXPORT int64_t zc_read_write(int in, int out, int64_t offset, int64_t length)
{
    zc_progress p = {0};
    length = zc_clamp_length(offset, length);
    char *buf = zc_thread_buffer();
    if (buf == NULL) {
        return zc_fail(&p, ZC_SYS_MALLOC, ENOMEM);
    }
    while (p.moved < length) {
        p.syscalls++;
        ssize_t n = pread(in, buf, zc_chunk(length - p.moved, (int64_t)ZC_COPY_BUFFER_SIZE),
                          (off_t)(offset + p.moved));
        if (n == 0) {
            break; /* end of file */
        }
        if (n < 0) {
            if (errno == EINTR && zc_retry_eintr(&p)) {
                continue;
            }
            return zc_fail(&p, ZC_SYS_PREAD, errno);
        }
        /* Bytes read but not written are simply not counted: the source is read by offset. */
        int w = zc_write_all(out, buf, (size_t)n, &p);
        if (w == ZC_WOULD_BLOCK) {
            return zc_blocked(&p);
        }
        if (w < 0) {
            return zc_fail(&p, ZC_SYS_WRITE, -w);
        }
    }
    return zc_done(&p);
}
