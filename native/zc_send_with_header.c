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

/* Sets TCP_CORK to on; returns 0 or -errno. */
static int set_cork(int out, int on, zc_progress *p)
{
    p->syscalls++;
    return setsockopt(out, IPPROTO_TCP, TCP_CORK, &on, sizeof on) == 0 ? 0 : -errno;
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
            : more     ? zc_send_all(out, hdr, (size_t)hdr_len, MSG_MORE, &p)
                       : zc_write_all(out, hdr, (size_t)hdr_len, &p);
    if (w < 0) {
        err = -w;
        call = more ? ZC_SYS_SEND : ZC_SYS_WRITE;
    } else if (w == ZC_WOULD_BLOCK) {
        complete = 0;
    }
    if (err == 0 && complete && length > 0) {
        int rc = zc_sendfile_range(in, out, offset, length, &p);
        if (rc < 0) {
            err = -rc;
            call = ZC_SYS_SENDFILE;
        } else {
            complete = rc == ZC_WRITTEN;
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
