/*
 * A header, a file body and a trailer in one native call, corked with
 * TCP_CORK (tcp(7)) so they leave in full segments instead of a small header
 * segment, the body, and a small trailer segment: what an HTTP server does
 * for a static file response.
 */

#include <errno.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "zc_common.h"

int64_t zc_sendfile(int in, int out, int64_t offset, int64_t length);
int64_t zc_last_moved(void);

/* Sets TCP_CORK to on; returns 0 or -errno. */
static int set_cork(int out, int on, zc_progress *p)
{
    p->syscalls++;
    return setsockopt(out, IPPROTO_TCP, TCP_CORK, &on, sizeof on) == 0 ? 0 : -errno;
}

/*
 * send(2) of all n bytes with MSG_MORE: TCP holds them, as under a cork, until
 * the next send without it (the body's last sendfile chunk) pushes them out
 * together. Returns ZC_WRITTEN, ZC_WOULD_BLOCK or -errno.
 */
static int send_more(int out, const char *buf, size_t n, zc_progress *p)
{
    while (n > 0) {
        p->syscalls++;
        ssize_t w = send(out, buf, n, MSG_MORE | MSG_NOSIGNAL); /* no SIGPIPE (HAZARDS 7) */
        if (w > 0) {
            p->moved += w;
            buf += w;
            n -= (size_t)w;
        } else if (w < 0 && errno == EINTR) {
            continue;
        } else if (w < 0 && errno == EAGAIN) {
            return ZC_WOULD_BLOCK;
        } else {
            return w < 0 ? -errno : -EIO;
        }
    }
    return ZC_WRITTEN;
}

/*
 * Writes hdr_len bytes of hdr, sends length bytes of in from offset, writes
 * trl_len bytes of trl, to out. On a TCP socket not already corked, a header
 * and body without trailer go as send(MSG_MORE) + sendfile (sendfile's last
 * chunk pushes); with a trailer the socket is corked (TCP_CORK) for the call
 * and uncorked at the end (on every path), which pushes the last partial
 * segment out. Other targets (pipes, files, AF_UNIX sockets)
 * get the same bytes uncorked. Stops early when the body is short (end of
 * file: the trailer is not sent, so a short body is never framed as a whole
 * one) or a non-blocking target would block. Returns the total bytes moved,
 * or -errno.
 */
ZC_EXPORT int64_t zc_send_with_header(int out, const char *hdr, int64_t hdr_len, int in, int64_t offset,
                                      int64_t length, const char *trl, int64_t trl_len)
{
    zc_progress p = {0};
    int was_corked = 0;
    socklen_t len = sizeof was_corked;
    p.syscalls++;
    /* Not a TCP socket: ENOTSOCK, EOPNOTSUPP or ENOPROTOOPT; such a target needs no cork. */
    int tcp = getsockopt(out, IPPROTO_TCP, TCP_CORK, &was_corked, &len) == 0;
    int more = tcp && !was_corked && trl_len == 0 && hdr_len > 0 && length > 0;
    int corked = tcp && !was_corked && !more && set_cork(out, 1, &p) == 0;
    int err = 0;
    enum zc_syscall call = ZC_SYS_NONE;
    int complete = 1;

    int w = hdr_len <= 0 ? ZC_WRITTEN
            : more     ? send_more(out, hdr, (size_t)hdr_len, &p)
                       : zc_write_all(out, hdr, (size_t)hdr_len, &p);
    if (w < 0) {
        err = -w;
        call = more ? ZC_SYS_SEND : ZC_SYS_WRITE;
    } else if (w == ZC_WOULD_BLOCK) {
        complete = 0;
    }
    if (err == 0 && complete && length > 0) {
        int64_t body = zc_sendfile(in, out, offset, length);
        /* zc_sendfile adds its own syscalls to the thread total (and its zc_done is overwritten by ours below). */
        if (body < 0) {
            p.moved += zc_last_moved();
            err = (int)-body;
            call = ZC_SYS_SENDFILE;
        } else {
            p.moved += body;
            complete = body == length;
        }
    }
    if (err == 0 && complete && trl_len > 0) {
        w = zc_write_all(out, trl, (size_t)trl_len, &p);
        if (w < 0) {
            err = -w;
            call = ZC_SYS_WRITE;
        }
    }
    if (corked) {
        set_cork(out, 0, &p); /* pushes the held partial segment */
    }
    return err != 0 ? zc_fail(&p, call, err) : zc_done(&p);
}

/* Data segments the TCP socket fd has sent (tcp_info.tcpi_data_segs_out), or -errno: for measuring corking. */
ZC_EXPORT int64_t zc_tcp_data_segs_out(int fd)
{
    struct tcp_info info;
    socklen_t len = sizeof info;
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) {
        return -errno;
    }
    return (int64_t)info.tcpi_data_segs_out;
}
