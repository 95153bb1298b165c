package dev.zerocopy.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Contenders measured in one JVM, interleaved block by block: between separate runs (a C process,
 * then JMH forks) this VM's syscall cost moves by 10-30%, more than the few percent being judged;
 * here each block of {@code calls} calls of one contender sits next to a block of every other, in
 * rotating order, so a drift of the machine moves all alike and the per-block ratios to the first
 * contender keep only what they differ by. Prints ns per call (median [p25-p75] over blocks) and
 * each ratio: the median of the per-block ratios with its 95% confidence interval (order
 * statistics of the median). The system property {@code contenders} (a regex of names) keeps only
 * those, and the first. Public for bench/ffm/FfmPerCall.java, which the JDK 22+ source launcher runs
 * against this jar.
 */
public final class Paired {
    /** One block of calls; returns the bytes they moved. */
    public interface Block {
        long run(int calls) throws IOException;
    }

    public static final class Contender {
        final String name;
        final Block block;
        final List<Double> samples = new ArrayList<>();

        public Contender(String name, Block block) {
            this.name = name;
            this.block = block;
        }
    }

    private Paired() {
    }

    /** The command line both mains take: TARGET [BLOCKS] [CALLS]. */
    public static final class Args {
        public final String target;
        public final int blocks;
        public final int calls;

        public Args(String[] args, int defaultBlocks, int defaultCalls) {
            target = args.length > 0 ? args[0] : "devnull";
            blocks = args.length > 1 ? Integer.parseInt(args[1]) : defaultBlocks;
            calls = args.length > 2 ? Integer.parseInt(args[2]) : defaultCalls;
        }
    }

    /**
     * Warms up with a quarter of the blocks, then runs and reports; every block must move
     * {@code bytesPerCall * calls} bytes (any count if bytesPerCall is negative).
     */
    public static void measure(String title, Contender[] all, int blocks, int calls, long bytesPerCall) throws IOException {
        String only = System.getProperty("contenders");
        Contender[] contenders = only == null ? all
                : Arrays.stream(all).filter(c -> c == all[0] || c.name.matches(only)).toArray(Contender[]::new);
        run(contenders, blocks / 4, calls, bytesPerCall); // warm-up: the JIT compiles the loops
        for (Contender c : contenders) {
            c.samples.clear();
        }
        run(contenders, blocks, calls, bytesPerCall);
        report(title, blocks, calls, contenders);
    }

    /** blocks rounds; each round runs every contender's block once, the order rotated per round. */
    private static void run(Contender[] contenders, int blocks, int calls, long bytesPerCall) throws IOException {
        for (int b = 0; b < blocks; b++) {
            for (int i = 0; i < contenders.length; i++) {
                Contender c = contenders[(b + i) % contenders.length];
                long t0 = System.nanoTime();
                long bytes = c.block.run(calls);
                long t1 = System.nanoTime();
                if (bytesPerCall >= 0 && bytes != bytesPerCall * calls) {
                    throw new IllegalStateException(c.name + " moved " + bytes + " bytes, expected " + bytesPerCall * calls);
                }
                c.samples.add((t1 - t0) / (double) calls);
            }
        }
    }

    private static void report(String title, int blocks, int calls, Contender[] contenders) {
        System.out.printf(Locale.ROOT, "%s, %d blocks of %d calls per contender, machine %s, %d cores, JDK %s, load average %s%n",
                title, blocks, calls, System.getProperty("os.version"), Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.vm.version"), loadAverage());
        double[] reference = values(contenders[0].samples);
        for (Contender c : contenders) {
            double[] v = values(c.samples);
            double[] ratios = new double[v.length];
            for (int i = 0; i < v.length; i++) {
                ratios[i] = v[i] / reference[i];
            }
            double[] sorted = v.clone();
            Arrays.sort(sorted);
            Arrays.sort(ratios);
            // 95% interval of the median: ranks n/2 -+ 1.96 sqrt(n)/2 (normal approximation of the binomial).
            int half = (int) Math.ceil(1.96 * Math.sqrt(ratios.length) / 2);
            int mid = ratios.length / 2;
            System.out.printf(Locale.ROOT, "%-36s %8.1f ns [%.1f-%.1f]   x %s %.3f [%.3f-%.3f]%n", c.name,
                    median(sorted), sorted[sorted.length / 4], sorted[sorted.length * 3 / 4], contenders[0].name,
                    median(ratios), ratios[Math.max(0, mid - half)], ratios[Math.min(ratios.length - 1, mid + half)]);
        }
    }

    private static String loadAverage() {
        try {
            return String.join(" ", Arrays.copyOf(new String(java.nio.file.Files.readAllBytes(
                    java.nio.file.Paths.get("/proc/loadavg"))).split(" "), 3));
        } catch (IOException e) {
            return "?";
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
