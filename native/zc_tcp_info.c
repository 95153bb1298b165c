/* tcp_info(7) counters of a socket, for measuring how a response was cut into segments. */

#include <errno.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "zc_common.h"

/* Data segments the TCP socket fd has sent (tcp_info.tcpi_data_segs_out), or -errno. */
ZC_EXPORT int64_t zc_tcp_data_segs_out(int fd)
{
    zc_progress p = {.syscalls = 1};
    struct tcp_info info;
    socklen_t len = sizeof info;
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) {
        return zc_fail(&p, ZC_SYS_GETSOCKOPT, errno);
    }
    zc_done(&p);
    return (int64_t)info.tcpi_data_segs_out;
}
