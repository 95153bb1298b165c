package dev.zerocopy;

/**
 * What getsockopt(TCP_INFO) says about a TCP socket at one instant: the per-sample figures a
 * throughput measurement records beside its timing (netperf and iperf3 show the same), so a slow
 * sample can be told apart as retransmissions, a stalled window or a delayed acknowledgement.
 *
 * @param dataSegmentsOut tcpi_data_segs_out: segments with data sent so far
 * @param totalRetransmits tcpi_total_retrans
 * @param rttMicros tcpi_rtt: smoothed round-trip time (gain 1/8, so one 40 ms stall shows as ~5 ms)
 * @param congestionWindow tcpi_snd_cwnd, in segments
 * @param deliveryRate tcpi_delivery_rate, bytes per second
 * @param receiveSpace tcpi_rcv_space: the receive-buffer autotuning's estimate
 */
public record TcpInfo(long dataSegmentsOut, long totalRetransmits, long rttMicros, long congestionWindow,
                      long deliveryRate, long receiveSpace) {
    /** @throws ErrnoException EOPNOTSUPP when fd is not a TCP socket */
    public static TcpInfo of(int fd) throws ErrnoException {
        long[] v = new long[6];
        int r = NativeLibrary.shim().zc_tcp_sample(fd, v);
        if (r < 0) {
            throw Errors.callFailed(r, "reading TCP_INFO of fd " + fd);
        }
        return new TcpInfo(v[0], v[1], v[2], v[3], v[4], v[5]);
    }
}
