package dev.zerocopy.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.zerocopy.ErrnoException;
import dev.zerocopy.TcpInfo;

/**
 * The TCP figures recorded per sample of a tcp target, to explain a slow sample instead of hiding
 * it: the sending socket's tcp_info (segments, retransmissions, smoothed RTT) and two counters of
 * the sending namespace's TcpExt table (/proc/net/netstat): DelayedACKs, acknowledgements the
 * delayed-ACK timer sent (each is a stall of at least TCP_DELACK_MIN, 40 ms), and TCPAutoCorking.
 *
 * @param segments data segments sent in the sample
 * @param retransmits retransmitted segments in the sample
 * @param rttMicros smoothed RTT at the end of the sample
 * @param delayedAcks delayed ACKs in the namespace during the sample, -1 if unreadable
 * @param autoCorked sends held back by autocorking in the namespace during the sample, -1 if unreadable
 */
record TcpCounters(long segments, long retransmits, long rttMicros, long delayedAcks, long autoCorked) {
    /** A reading at one instant; the sample's figures are the difference of two. */
    record Reading(TcpInfo info, long delayedAcks, long autoCorked) {
        static Reading of(int fd, Path procNet) {
            TcpInfo info;
            try {
                info = TcpInfo.of(fd);
            } catch (ErrnoException e) {
                info = null;
            }
            long[] c = netstat(procNet);
            return new Reading(info, c[0], c[1]);
        }

        TcpCounters minus(Reading before) {
            if (info == null || before.info == null) {
                return null;
            }
            return new TcpCounters(info.dataSegmentsOut() - before.info.dataSegmentsOut(),
                    info.totalRetransmits() - before.info.totalRetransmits(), info.rttMicros(),
                    delayedAcks < 0 || before.delayedAcks < 0 ? -1 : delayedAcks - before.delayedAcks,
                    autoCorked < 0 || before.autoCorked < 0 ? -1 : autoCorked - before.autoCorked);
        }
    }

    /** {DelayedACKs, TCPAutoCorking} from procNet/netstat, -1 each where unreadable. */
    static long[] netstat(Path procNet) {
        long[] out = {-1, -1};
        if (procNet == null) {
            return out;
        }
        try {
            String[] lines = Files.readString(procNet.resolve("netstat")).split("\n");
            for (int i = 0; i + 1 < lines.length; i += 2) {
                if (!lines[i].startsWith("TcpExt:")) {
                    continue;
                }
                String[] names = lines[i].trim().split("\\s+");
                String[] values = lines[i + 1].trim().split("\\s+");
                for (int k = 1; k < names.length && k < values.length; k++) {
                    if (names[k].equals("DelayedACKs")) {
                        out[0] = Long.parseLong(values[k]);
                    } else if (names[k].equals("TCPAutoCorking")) {
                        out[1] = Long.parseLong(values[k]);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // unreadable: -1
        }
        return out;
    }
}
