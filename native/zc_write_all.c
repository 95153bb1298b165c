/* The one write loop, shared by the read+write and mmap+write paths. */
#include <errno.h>
#include <unistd.h>

#include "zc_common.h"

int zc_write_all(int out, const char *buf, size_t n, zc_progress *p)
{
    while (n > 0) {
        p->syscalls++;
        ssize_t w = write(out, buf, zc_chunk((int64_t)n, ZC_MAX_CHUNK));
        if (w > 0) {
            p->moved += w;
            buf += w;
            n -= (size_t)w;
        } else if (w < 0 && errno == EINTR) {
            continue;
        } else if (w < 0 && errno == EAGAIN) {
            return ZC_WOULD_BLOCK;
        } else {
            /* write(2) returns 0 only for a zero count; treat anything else as EIO. */
            return w < 0 ? -errno : -EIO;
        }
    }
    return ZC_WRITTEN;
}
