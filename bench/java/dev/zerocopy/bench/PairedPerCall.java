package dev.zerocopy.bench;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import dev.zerocopy.Fds;
import dev.zerocopy.NativeZeroCopy;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * Per-call cost of a 4 KiB sendfile from the page cache, the library against the raw C loop, in
 * one JVM and interleaved block by block. Between separate runs (zc_floor's process, then a JMH
 * fork) this VM's syscall cost moves by 10-30%, more than the 5% being judged; here each block of
 * {@code calls} library calls sits next to a block of the same calls made by the C loop
 * (bench/c/floor_loop.c, one jnr-ffi call per block), in rotating order, so a drift of the
 * machine moves every contender alike and the per-block ratios keep only what they differ by.
 *
 * <p>The other contenders take the difference apart: a bare jnr-ffi binding of libc's sendfile
 * (the cheapest call jnr-ffi offers), one C sendfile per call bound with jnr-ffi and with JNI (the
 * binding alone), the C loop reading one byte of 8 or 32 distinct pages after each sendfile and
 * the same reads without it (what touching memory costs after a syscall here, and before), and
 * getppid(2) (a syscall that does nothing).
 *
 * <pre>java -cp target/benchmarks.jar [-Dcontenders=REGEX] dev.zerocopy.bench.PairedPerCall devnull|tcp [blocks] [calls]</pre>
 *
 * Prints ns per call (median [p25-p75] over blocks) and each ratio to the C loop: the median of
 * the per-block ratios with its 95% confidence interval (order statistics of the median). Ratios
 * of one run are tight (+-0.005); between runs (new JVMs) the library's moved by +-0.015 in our
 * runs, so compare runs, not one.
 */
public final class PairedPerCall {
    private static final long SIZE = PerCallBench.SIZE;

    private PairedPerCall() {
    }

    public static void main(String[] args) throws Exception {
        String target = args.length > 0 ? args[0] : "devnull";
        int blocks = args.length > 1 ? Integer.parseInt(args[1]) : 400;
        int calls = args.length > 2 ? Integer.parseInt(args[2]) : 4000;
        Path file = Fixtures.sourceFile(1 << 20);
        try (FileChannel source = FileChannel.open(file); Fixtures.Target out = Fixtures.Target.open(target)) {
            int in = Fds.of(source);
            Contender[] contenders = {
                new Contender("raw C loop", () -> cLoop(in, out.fd, calls)),
                new Contender("NativeZeroCopy.sendfile", () -> library(in, out.fd, calls)),
                new Contender("bare jnr-ffi libc sendfile", () -> jnrLibc(in, out.fd, calls)),
                new Contender("jnr-ffi, C sendfile once", () -> jnrOnce(in, out.fd, calls)),
                new Contender("JNI, C sendfile once", () -> jniOnce(in, out.fd, calls)),
                new Contender("C loop + 8 pages", () -> FloorLoop.LIB.zc_floor_touch_loop(in, out.fd, SIZE, calls, 8)),
                new Contender("C loop + 32 pages", () -> FloorLoop.LIB.zc_floor_touch_loop(in, out.fd, SIZE, calls, 32)),
                new Contender("32 pages, no syscall", () -> FloorLoop.LIB.zc_floor_touch_loop(-1, out.fd, SIZE, calls, 32)),
                new Contender("getppid, C loop", () -> FloorLoop.LIB.zc_floor_null_syscall_loop(calls) * SIZE),
            };
            String only = System.getProperty("contenders"); // a regex of names; the C loop always runs
            if (only != null) {
                contenders = java.util.Arrays.stream(contenders)
                        .filter(c -> c.name.equals("raw C loop") || c.name.matches(only)).toArray(Contender[]::new);
            }
            run(contenders, blocks / 4, calls); // warm-up: the JIT compiles the loops
            for (Contender c : contenders) {
                c.samples.clear();
            }
            run(contenders, blocks, calls);
            report(target, blocks, calls, contenders);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private interface Block {
        long run() throws IOException;
    }

    private static final class Contender {
        final String name;
        final Block block;
        final List<Double> samples = new ArrayList<>();

        Contender(String name, Block block) {
            this.name = name;
            this.block = block;
        }
    }

    /** blocks rounds; each round runs every contender's block once, the order rotated per round. */
    private static void run(Contender[] contenders, int blocks, int calls) throws IOException {
        for (int b = 0; b < blocks; b++) {
            for (int i = 0; i < contenders.length; i++) {
                Contender c = contenders[(b + i) % contenders.length];
                long t0 = System.nanoTime();
                long bytes = c.block.run();
                long t1 = System.nanoTime();
                if (bytes != SIZE * calls) {
                    throw new IllegalStateException(c.name + " moved " + bytes + " bytes, expected " + SIZE * calls);
                }
                c.samples.add((t1 - t0) / (double) calls);
            }
        }
    }

    private static long cLoop(int in, int out, int calls) {
        return FloorLoop.LIB.zc_floor_sendfile_loop(in, out, SIZE, calls);
    }

    private static long library(int in, int out, int calls) throws IOException {
        long total = 0;
        for (int i = 0; i < calls; i++) {
            total += NativeZeroCopy.sendfile(in, out, 0, SIZE);
        }
        return total;
    }

    private static final Pointer OFFSET = Memory.allocateDirect(Runtime.getRuntime(PerCallBench.LIBC), Long.BYTES);

    private static long jnrLibc(int in, int out, int calls) {
        long total = 0;
        for (int i = 0; i < calls; i++) {
            OFFSET.putLong(0, 0);
            total += PerCallBench.LIBC.sendfile(out, in, OFFSET, SIZE);
        }
        return total;
    }

    private static long jnrOnce(int in, int out, int calls) {
        long total = 0;
        for (int i = 0; i < calls; i++) {
            total += FloorLoop.LIB.zc_floor_sendfile_once(in, out, SIZE);
        }
        return total;
    }

    private static long jniOnce(int in, int out, int calls) {
        long total = 0;
        for (int i = 0; i < calls; i++) {
            total += FloorLoop.jniSendfileOnce(in, out, SIZE);
        }
        return total;
    }

    private static void report(String target, int blocks, int calls, Contender[] contenders) {
        System.out.printf(Locale.ROOT, "target %s, %d blocks of %d calls per contender, machine %s, %d cores, %s%n",
                target, blocks, calls, System.getProperty("os.version"), java.lang.Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.vm.version"));
        double[] floor = values(contenders[0].samples);
        for (Contender c : contenders) {
            double[] v = values(c.samples);
            double[] ratios = new double[v.length];
            for (int i = 0; i < v.length; i++) {
                ratios[i] = v[i] / floor[i];
            }
            double[] sorted = v.clone();
            Arrays.sort(sorted);
            Arrays.sort(ratios);
            // 95% interval of the median: ranks n/2 -+ 1.96 sqrt(n)/2 (normal approximation of the binomial).
            int half = (int) Math.ceil(1.96 * Math.sqrt(ratios.length) / 2);
            int mid = ratios.length / 2;
            System.out.printf(Locale.ROOT, "%-28s %8.1f ns [%.1f-%.1f]   x C loop %.3f [%.3f-%.3f]%n", c.name,
                    median(sorted), sorted[sorted.length / 4], sorted[sorted.length * 3 / 4], median(ratios),
                    ratios[Math.max(0, mid - half)], ratios[Math.min(ratios.length - 1, mid + half)]);
        }
    }

    private static double[] values(List<Double> samples) {
        return samples.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
