/*
 * mmap(2) windows of a file sent with send(MSG_ZEROCOPY) on a socket with
 * SO_ZEROCOPY (Documentation/networking/msg_zerocopy.rst). The kernel pins the
 * mapped pages instead of copying them into the socket buffer, and later posts
 * a completion on the socket's error queue: a range [lo, hi] of a per-socket
 * 32-bit counter that counts accepted sends, with SO_EE_CODE_ZEROCOPY_COPIED set
 * when it had to copy after all (always so for loopback and veth: local
 * delivery copies). A window is unmapped only after every send made from it is
 * completed (HAZARDS 11). ENOBUFS (optmem or RLIMIT_MEMLOCK exhausted) makes
 * the rest of that window go out with plain send(2).
 */

#include <errno.h>
#include <time.h> /* linux/errqueue.h uses struct timespec */
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zc_common.h"

#ifndef SO_ZEROCOPY
#define SO_ZEROCOPY 60
#endif
#ifndef MSG_ZEROCOPY
#define MSG_ZEROCOPY 0x4000000
#endif

/* Bytes per send(2): smaller than a window, so ENOBUFS from RLIMIT_MEMLOCK (8 MiB by default) is rare. */
#define ZC_ZEROCOPY_SEND ((int64_t)1024 * 1024)

/* A socket whose error state keeps poll(2) returning at once is given this many 1 ms rounds to deliver its completions. */
#define ZC_STUCK_ROUNDS 5000

/*
 * A non-blocking socket gets this long without a new completion before the call gives up with
 * ETIMEDOUT: completions need the data to leave the send queue, which a peer that never reads
 * prevents, and a caller that made its socket non-blocking asked not to wait. A blocking socket
 * waits as long as a blocking send would.
 */
#define ZC_NONBLOCKING_WAIT_MS 2000

/* Slots of the stats array the Java side reads (ZeroCopySendResult). */
enum { ST_SENDS, ST_ZEROCOPIED, ST_COPIED, ST_PLAIN, ST_OUTSTANDING, ST_COUNT };

typedef struct zc_zerocopy {
    int fd;
    int non_blocking;   /* O_NONBLOCK on fd: the wait for completions is bounded */
    int64_t sends;      /* MSG_ZEROCOPY sends the kernel accepted: each takes one counter value */
    int64_t completed;  /* counter values seen completed on the error queue */
    int64_t zerocopied; /* of those, sent from the pinned pages */
    int64_t copied;     /* of those, copied by the kernel (SO_EE_CODE_ZEROCOPY_COPIED) */
    int64_t plain;      /* plain sends after ENOBUFS */
} zc_zerocopy;

/* Reads every notification now on the error queue (MSG_ERRQUEUE never blocks). Returns 0 or -errno. */
static int reap(zc_zerocopy *z, zc_progress *p)
{
    for (;;) {
        char control[CMSG_SPACE(sizeof(struct sock_extended_err) + sizeof(struct sockaddr_in6))];
        struct msghdr msg;
        memset(&msg, 0, sizeof msg);
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        p->syscalls++;
        if (recvmsg(z->fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno == EAGAIN ? 0 : -errno;
        }
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
            int ip = c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR;
            int ip6 = c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR;
            if (!ip && !ip6) {
                continue;
            }
            struct sock_extended_err ee;
            memcpy(&ee, CMSG_DATA(c), sizeof ee);
            if (ee.ee_origin != SO_EE_ORIGIN_ZEROCOPY || ee.ee_errno != 0) {
                continue; /* another kind of error report: not ours to count */
            }
            /* ee_info = lo, ee_data = hi, inclusive; the counter wraps at 2^32. */
            int64_t n = (int64_t)(uint32_t)(ee.ee_data - ee.ee_info) + 1;
            z->completed += n;
            if (ee.ee_code & SO_EE_CODE_ZEROCOPY_COPIED) {
                z->copied += n;
            } else {
                z->zerocopied += n;
            }
        }
    }
}

/*
 * Waits until every accepted send is completed, so its pages may be unmapped.
 * Blocks in poll(2) for as long as the peer takes to acknowledge the data, as
 * a blocking send would. Returns 0, -errno, or -ETIMEDOUT when a socket in an
 * error state stops delivering completions.
 */
static int await_completions(zc_zerocopy *z, zc_progress *p)
{
    int stuck = 0;
    int idle_ms = 0;
    while (z->completed < z->sends) {
        int64_t before = z->completed;
        int rc = reap(z, p);
        if (rc < 0) {
            return rc;
        }
        if (z->completed >= z->sends) {
            break;
        }
        if (z->completed > before) {
            idle_ms = 0;
        }
        /* POLLERR is always reported: it says the error queue has something (or the socket failed). */
        struct pollfd pfd = {.fd = z->fd, .events = 0, .revents = 0};
        p->syscalls++;
        int n = poll(&pfd, 1, stuck > 0 ? 1 : 1000);
        if (n < 0 && errno != EINTR) {
            return -errno;
        }
        if (n == 0 && z->non_blocking && (idle_ms += 1000) >= ZC_NONBLOCKING_WAIT_MS) {
            return -ETIMEDOUT; /* nothing completed for that long: report what is outstanding */
        }
        if (n > 0 && z->completed == before && (pfd.revents & (POLLERR | POLLHUP | POLLNVAL))) {
            /* Woken with nothing to reap: a reset socket reports POLLERR forever. Back off, then give up. */
            if (pfd.revents & POLLNVAL) {
                return -EBADF;
            }
            if (++stuck > ZC_STUCK_ROUNDS) {
                return -ETIMEDOUT;
            }
            p->syscalls++;
            poll(NULL, 0, 1);
        }
    }
    return 0;
}

/* How a window's send loop ended. */
enum { SENT_ALL, SENT_WOULD_BLOCK, SENT_EOF };

/*
 * Sends n bytes of the mapping at buf. Returns SENT_ALL, SENT_WOULD_BLOCK,
 * SENT_EOF (the file shrank under the mapping: EFAULT), or -errno.
 */
static int send_window(zc_zerocopy *z, const char *buf, int64_t n, zc_progress *p)
{
    int zerocopy = 1;
    int retried = 0;
    while (n > 0) {
        int flags = MSG_NOSIGNAL | (zerocopy ? MSG_ZEROCOPY : 0); /* no SIGPIPE (HAZARDS 7) */
        p->syscalls++;
        ssize_t w = send(z->fd, buf, zc_chunk(n, ZC_ZEROCOPY_SEND), flags);
        if (w > 0) {
            p->moved += w;
            buf += w;
            n -= w;
            if (zerocopy) {
                z->sends++;
                int rc = reap(z, p); /* keep the error queue short */
                if (rc < 0) {
                    return rc;
                }
            } else {
                z->plain++;
            }
        } else if (w < 0 && errno == EINTR) {
            continue;
        } else if (w < 0 && errno == EAGAIN) {
            return SENT_WOULD_BLOCK;
        } else if (w < 0 && errno == ENOBUFS && zerocopy) {
            /* Out of optmem or locked memory: wait for what is in flight once, then copy this window. */
            if (!retried && z->completed < z->sends) {
                retried = 1;
                int rc = await_completions(z, p);
                if (rc < 0) {
                    return rc;
                }
            } else {
                zerocopy = 0;
            }
        } else if (w < 0 && errno == EFAULT) {
            return SENT_EOF;
        } else {
            return w < 0 ? -errno : -EIO;
        }
    }
    return SENT_ALL;
}

static void put_stats(const zc_zerocopy *z, int64_t *stats)
{
    stats[ST_SENDS] = z->sends;
    stats[ST_ZEROCOPIED] = z->zerocopied;
    stats[ST_COPIED] = z->copied;
    stats[ST_PLAIN] = z->plain;
    stats[ST_OUTSTANDING] = z->sends - z->completed;
}

/*
 * Sends length bytes of in from offset to the socket out. stats receives
 * ST_COUNT values: accepted MSG_ZEROCOPY sends, how many of them the kernel
 * completed without and with a copy, and plain sends made after ENOBUFS.
 */
ZC_EXPORT int64_t zc_mmap_send_zerocopy(int in, int out, int64_t offset, int64_t length, int64_t *stats)
{
    zc_progress p = {0};
    zc_zerocopy z = {.fd = out};
    put_stats(&z, stats);
    z.non_blocking = zc_non_blocking(out, &p);
    int one = 1;
    p.syscalls++;
    /* Without SO_ZEROCOPY the flag is silently ignored and no completion ever comes (HAZARDS 11). */
    if (setsockopt(out, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof one) != 0) {
        return zc_fail(&p, ZC_SYS_SETSOCKOPT, errno);
    }
    while (p.moved < length) {
        zc_window win;
        enum zc_syscall call = ZC_SYS_NONE;
        int mapped = zc_window_map(in, offset + p.moved, length - p.moved, &win, &p, &call);
        if (mapped < 0) {
            return zc_fail(&p, call, -mapped);
        }
        if (mapped == 0) {
            break; /* end of file */
        }
        int sent = send_window(&z, win.map + win.skip, (int64_t)win.len - win.skip, &p);
        /* The pages must stay mapped until the kernel is done with them, on every path. */
        int waited = await_completions(&z, &p);
        zc_window_unmap(&win, &p);
        put_stats(&z, stats);
        if (sent < 0) {
            return zc_fail(&p, ZC_SYS_SEND, -sent);
        }
        if (waited < 0) {
            return zc_fail(&p, waited == -ETIMEDOUT ? ZC_SYS_POLL : ZC_SYS_RECVMSG, -waited);
        }
        if (sent == SENT_EOF && !zc_window_truncated(in, offset + p.moved, &p)) {
            return zc_fail(&p, ZC_SYS_SEND, EFAULT);
        }
        if (sent != SENT_ALL) {
            break;
        }
    }
    return zc_done(&p);
}
