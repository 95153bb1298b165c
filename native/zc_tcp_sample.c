/*
 * The tcp_info figures a measurement records per sample (netperf and iperf3 print the same):
 * data segments sent, retransmissions, smoothed RTT, congestion window and delivery rate.
 */
#include <errno.h>
#include <netinet/in.h>
#include <linux/tcp.h>
#include <sys/socket.h>

#include "zc_common.h"

/*
 * out[0] tcpi_data_segs_out, [1] tcpi_total_retrans, [2] tcpi_rtt (us), [3] tcpi_snd_cwnd,
 * [4] tcpi_delivery_rate (bytes/s), [5] tcpi_rcv_space; 0 or -errno (EOPNOTSUPP: not TCP).
 */
ZC_EXPORT int zc_tcp_sample(int fd, int64_t out[6])
{
    zc_progress p = {.syscalls = 1};
    struct tcp_info info;
    socklen_t len = sizeof info;
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) {
        return (int)zc_fail(&p, ZC_SYS_GETSOCKOPT, errno);
    }
    out[0] = info.tcpi_data_segs_out;
    out[1] = info.tcpi_total_retrans;
    out[2] = info.tcpi_rtt;
    out[3] = info.tcpi_snd_cwnd;
    out[4] = (int64_t)info.tcpi_delivery_rate;
    out[5] = info.tcpi_rcv_space;
    return (int)zc_done(&p);
}
