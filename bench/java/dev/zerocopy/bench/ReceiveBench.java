package dev.zerocopy.bench;

import dev.zerocopy.ZeroCopyChannels;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * The receive goal (at most 0.8x the whole-machine CPU per GiB of FileChannel.transferFrom) (bench/receive.sh runs it): a loopback sender streams {@code gib}
 * GiB, the receiver stores it with transferFrom(socket, position, count) into a file in
 * {@code dir}, {@code FileChannel.transferFrom} (JDK: read into a buffer, write) against
 * {@code ZeroCopyChannels.transferFrom} (splice socket -> pipe -> file), interleaved round by
 * round. Per run it prints one line: the whole machine's busy CPU seconds (all CPUs, from
 * /proc/stat) during the transfer, the receiving thread's CPU seconds, the wall time, and then the
 * same for the writeback that force(true) waits for, measured separately. The file is deleted
 * after each run and the filesystem flushed before the next, so runs do not share writeback.
 *
 * <pre>
 * java -cp target/benchmarks.jar dev.zerocopy.bench.ReceiveBench DIR [--gib 1] [--rounds 3]
 * </pre>
 * Output lines: {@code run ROUND MODE bytes=N machine_s=X thread_s=X wall_s=X wb_machine_s=X wb_wall_s=X}.
 */
public final class ReceiveBench {
    private static final int SEND_BUFFER = 8 << 20;

    private ReceiveBench() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Paths.get(args[0]);
        long gib = 1;
        int rounds = 3;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--gib": gib = Long.parseLong(args[++i]); break;
                case "--rounds": rounds = Integer.parseInt(args[++i]); break;
                default:
                    System.err.println("usage: ReceiveBench DIR [--gib 1] [--rounds 3]");
                    System.exit(2);
            }
        }
        long total = gib << 30;
        ByteBuffer payload = ByteBuffer.allocateDirect(SEND_BUFFER);
        byte[] b = new byte[SEND_BUFFER];
        new Random(5).nextBytes(b);
        payload.put(b).flip();
        List<String> modes = List.of("nio", "zerocopy");
        // One untimed warm-up of each (JIT, pipe and socket buffers), then interleaved rounds, order rotated.
        for (int r = 0; r <= rounds; r++) {
            for (int j = 0; j < modes.size(); j++) {
                String mode = modes.get((j + r) % modes.size());
                String line = run(dir, mode, r == 0 ? Math.min(total, 256L << 20) : total, payload);
                if (r > 0) {
                    System.out.println("run " + r + " " + mode + " " + line);
                    System.out.flush();
                }
            }
        }
    }

    private static String run(Path dir, String mode, long total, ByteBuffer payload) throws Exception {
        Path file = dir.resolve("zc-receive-bench.bin");
        Files.deleteIfExists(file);
        try (ServerSocketChannel ss = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
             SocketChannel snd = SocketChannel.open(ss.getLocalAddress());
             SocketChannel rcv = ss.accept();
             FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            flushFilesystem(out);
            Thread sender = new Thread(() -> {
                ByteBuffer bb = payload.duplicate();
                try {
                    for (long left = total; left > 0; ) {
                        bb.clear().limit((int) Math.min(left, bb.capacity()));
                        while (bb.hasRemaining()) {
                            left -= snd.write(bb);
                        }
                    }
                    snd.shutdownOutput();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }, "receive-bench-sender");
            java.util.Map<String, Long> v0 = VMSTAT ? vmstat() : null;
            long m0 = machineBusyTicks();
            long c0 = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            sender.start();
            long got = 0;
            while (got < total) {
                long n = mode.equals("nio") ? out.transferFrom(rcv, got, total - got) : ZeroCopyChannels.transferFrom(rcv, out, got, total - got);
                if (n <= 0) {
                    break;
                }
                got += n;
            }
            long t1 = System.nanoTime();
            long c1 = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
            long m1 = machineBusyTicks();
            if (VMSTAT) {
                java.util.Map<String, Long> v1 = vmstat();
                StringBuilder d = new StringBuilder();
                v1.forEach((k, v) -> {
                    long delta = v - v0.getOrDefault(k, 0L);
                    if (Math.abs(delta) >= 1000) {
                        d.append(' ').append(k).append('=').append(delta);
                    }
                });
                System.err.println("vmstat " + mode + ":" + d);
            }
            sender.join();
            if (got != total) {
                throw new IllegalStateException(mode + ": received " + got + " of " + total);
            }
            out.force(true); // the writeback, measured on its own
            long t2 = System.nanoTime();
            long m2 = machineBusyTicks();
            double tick = ticksPerSecond();
            // start_ns/end_ns: System.nanoTime() is CLOCK_MONOTONIC on Linux, so a `perf record -k
            // CLOCK_MONOTONIC` profile of the run can be cut at these bounds.
            return String.format(Locale.ROOT, "bytes=%d machine_s=%.3f thread_s=%.3f wall_s=%.3f wb_machine_s=%.3f wb_wall_s=%.3f"
                    + " start_ns=%d end_ns=%d", got, (m1 - m0) / tick, (c1 - c0) / 1e9, (t1 - t0) / 1e9, (m2 - m1) / tick,
                    (t2 - t1) / 1e9, t0, t1);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** -Dzc.vmstat=true: print the /proc/vmstat counters that changed by 1000 or more during each run (stderr). */
    private static final boolean VMSTAT = Boolean.getBoolean("zc.vmstat");

    private static java.util.Map<String, Long> vmstat() throws IOException {
        java.util.Map<String, Long> m = new java.util.TreeMap<>();
        for (String line : Files.readAllLines(Paths.get("/proc/vmstat"))) {
            String[] f = line.split(" ");
            m.put(f[0], Long.parseLong(f[1]));
        }
        return m;
    }

    /** Writes back whatever an earlier run (or anyone) left dirty on this filesystem, outside the timing. */
    private static void flushFilesystem(FileChannel ch) throws Exception {
        new ProcessBuilder("sync").inheritIO().start().waitFor();
        ch.force(true);
    }

    /** Busy ticks of all CPUs: the "cpu" line of /proc/stat minus idle and iowait. */
    private static long machineBusyTicks() throws IOException {
        String line = Files.readAllLines(Paths.get("/proc/stat")).get(0);
        String[] f = line.trim().split("\\s+");
        long busy = 0;
        for (int i = 1; i < f.length && i <= 8; i++) { // user nice system idle iowait irq softirq steal
            if (i != 4 && i != 5) {
                busy += Long.parseLong(f[i]);
            }
        }
        return busy;
    }

    /** USER_HZ, the unit of /proc/stat: 100 on every Linux architecture Java runs on (sysconf(_SC_CLK_TCK)). */
    private static double ticksPerSecond() {
        return Double.parseDouble(System.getProperty("zc.clk_tck", "100"));
    }
}
