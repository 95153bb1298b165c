/* The one write loop, shared by the read+write, mmap+write and header+body paths. */
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "zc_common.h"

/* write(2) when flags is 0 (any fd), else send(2) with flags | MSG_NOSIGNAL (sockets; HAZARDS 7). */
static int put_all(int out, const char *buf, size_t n, int flags, zc_progress *p)
{
    while (n > 0) {
        size_t chunk = zc_chunk((int64_t)n, ZC_MAX_CHUNK);
        p->syscalls++;
        ssize_t w = flags == 0 ? write(out, buf, chunk) : send(out, buf, chunk, flags | MSG_NOSIGNAL);
        if (w > 0) {
            p->moved += w;
            buf += w;
            n -= (size_t)w;
        } else if (w < 0 && errno == EINTR && zc_retry_eintr(p)) {
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

int zc_write_all(int out, const char *buf, size_t n, zc_progress *p)
{
    return put_all(out, buf, n, 0, p);
}

int zc_send_all(int out, const char *buf, size_t n, int flags, zc_progress *p)
{
    return put_all(out, buf, n, flags, p);
}
