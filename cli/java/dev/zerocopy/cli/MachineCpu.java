package dev.zerocopy.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Whole-machine CPU time from the first line of /proc/stat (proc(5)): busy time (user, nice,
 * system, irq, softirq; not idle, iowait or steal) and the softirq share of it, in USER_HZ ticks
 * of 10 ms. Everything the machine did counts, the receiver's copy and the network stack's
 * softirq work wherever they ran, but also any other process: the report states the load.
 * Tick resolution is coarse for one sample, so rows sum their samples before dividing.
 */
final class MachineCpu {
    /** USER_HZ: /proc/stat counts in 1/100 s on Linux (sysconf(_SC_CLK_TCK) is 100 on every architecture). */
    static final long NANOS_PER_TICK = 10_000_000L;
    private static final Path STAT = Paths.get("/proc/stat");

    /** Busy and softirq ticks since boot. */
    record Ticks(long busy, long softirq) {
        Ticks minus(Ticks earlier) {
            return new Ticks(busy - earlier.busy, softirq - earlier.softirq);
        }
    }

    static final Ticks UNKNOWN = new Ticks(-1, -1);

    private MachineCpu() {
    }

    /** Ticks now, or {@link #UNKNOWN} where /proc/stat cannot be read. */
    static Ticks now() {
        try {
            String text = Files.readString(STAT);
            int end = text.indexOf('\n');
            String[] f = text.substring(0, end < 0 ? text.length() : end).trim().split("\\s+");
            // cpu user nice system idle iowait irq softirq steal ...
            long busy = Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3]) + Long.parseLong(f[6])
                    + Long.parseLong(f[7]);
            return new Ticks(busy, Long.parseLong(f[7]));
        } catch (IOException | RuntimeException e) {
            return UNKNOWN;
        }
    }

    /** later - earlier, or UNKNOWN if either is. */
    static Ticks delta(Ticks earlier, Ticks later) {
        return earlier.busy() < 0 || later.busy() < 0 ? UNKNOWN : later.minus(earlier);
    }
}
