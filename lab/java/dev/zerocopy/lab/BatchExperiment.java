package dev.zerocopy.lab;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.zerocopy.Fds;
import dev.zerocopy.KernelExperiments;
import dev.zerocopy.NativeZeroCopy;

/**
 * Many small files: sendfileBatch of N items in one native call, against N single
 * NativeZeroCopy.sendfile calls, N FileChannel.transferTo calls, and a plain C loop of N
 * sendfile(2) calls (bench/c/sendfile_loop.c, the floor), to /dev/null and to a loopback TCP
 * socket drained by a reader. Trials are interleaved; each gives the median time per item over
 * its repetitions; the table gives the median [min-max] over trials.
 *
 * <pre>
 * cc -O2 -o target/sendfile_loop bench/c/sendfile_loop.c -lpthread
 * java --enable-native-access=ALL-UNNAMED -cp target/native-zerocopy-cli.jar dev.zerocopy.lab.BatchExperiment \
 *     [--files 1000] [--size 4096] [--reps 200] [--trials 7] [--c-loop target/sendfile_loop]
 * </pre>
 */
public final class BatchExperiment {
    private BatchExperiment() {
    }

    public static void main(String[] args) throws Exception {
        int files = 1000;
        int size = 4096;
        int reps = 200;
        int trials = 7;
        String cLoop = "target/sendfile_loop";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--files" -> files = Integer.parseInt(args[++i]);
                case "--size" -> size = Integer.parseInt(args[++i]);
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--trials" -> trials = Integer.parseInt(args[++i]);
                case "--c-loop" -> cLoop = args[++i];
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        NativeZeroCopy.ensureAvailable();
        Path dir = Files.createTempDirectory(Paths.get("target").toAbsolutePath(), "batch-experiment-");
        FileChannel[] channels = new FileChannel[files];
        try {
            Random rnd = new Random(1);
            byte[] b = new byte[size];
            int[] fds = new int[files];
            long[] offsets = new long[files];
            long[] lengths = new long[files];
            for (int i = 0; i < files; i++) {
                rnd.nextBytes(b);
                channels[i] = FileChannel.open(Files.write(dir.resolve("f" + i), b));
                fds[i] = Fds.of(channels[i]);
                lengths[i] = size;
            }
            boolean haveC = Files.isExecutable(Paths.get(cLoop));
            if (!haveC) {
                System.out.println("no " + cLoop + " (cc -O2 -o " + cLoop + " bench/c/sendfile_loop.c -lpthread): C floor left out");
            }
            for (String target : new String[] {"devnull", "tcp"}) {
                Map<String, List<Double>> perItemNs = new LinkedHashMap<>();
                long allocated = 0;
                WritableByteChannel out;
                SocketPair pair = null;
                CompletableFuture<Long> drained = null;
                if (target.equals("devnull")) {
                    out = FileChannel.open(Paths.get("/dev/null"), StandardOpenOption.WRITE);
                } else {
                    pair = new LoopbackLink().connect();
                    drained = drain(pair);
                    out = pair.sender();
                }
                long sent = 0;
                try (WritableByteChannel o = out) {
                    int fdOut = Fds.of(o);
                    long[] counts = new long[files];
                    for (int t = -1; t < trials; t++) { // trial -1 warms up the JIT and is not recorded
                        double[] batch = new double[reps];
                        double[] single = new double[reps];
                        double[] transferTo = new double[reps];
                        long a0 = allocatedBytes();
                        for (int r = 0; r < reps; r++) {
                            long t0 = System.nanoTime();
                            sent += KernelExperiments.sendfileBatch(fdOut, fds, offsets, lengths, counts);
                            batch[r] = (System.nanoTime() - t0) / (double) files;
                        }
                        if (t == trials - 1) {
                            allocated = (allocatedBytes() - a0) / reps;
                        }
                        for (int r = 0; r < reps; r++) {
                            long t0 = System.nanoTime();
                            for (int i = 0; i < files; i++) {
                                sent += NativeZeroCopy.sendfile(fds[i], fdOut, 0, size);
                            }
                            single[r] = (System.nanoTime() - t0) / (double) files;
                        }
                        for (int r = 0; r < reps; r++) {
                            long t0 = System.nanoTime();
                            for (int i = 0; i < files; i++) {
                                sent += channels[i].transferTo(0, size, o);
                            }
                            transferTo[r] = (System.nanoTime() - t0) / (double) files;
                        }
                        if (t < 0) {
                            continue;
                        }
                        if (haveC) {
                            perItemNs.computeIfAbsent("C loop of sendfile(2) (floor)", k -> new ArrayList<>())
                                    .add(runC(cLoop, dir, files, size, reps, target));
                        }
                        perItemNs.computeIfAbsent("sendfileBatch (1 native call)", k -> new ArrayList<>()).add(Stats.median(batch));
                        perItemNs.computeIfAbsent("NativeZeroCopy.sendfile x " + files, k -> new ArrayList<>()).add(Stats.median(single));
                        perItemNs.computeIfAbsent("FileChannel.transferTo x " + files, k -> new ArrayList<>()).add(Stats.median(transferTo));
                    }
                }
                if (pair != null) {
                    long got = drained.get(60, TimeUnit.SECONDS);
                    pair.close();
                    if (got != sent) {
                        throw new IOException("the reader got " + got + " bytes of " + sent);
                    }
                }
                print(target, files, size, reps, trials, perItemNs, allocated);
            }
        } finally {
            for (FileChannel c : channels) {
                if (c != null) {
                    c.close();
                }
            }
            try (var s = Files.list(dir)) {
                for (Path p : (Iterable<Path>) s::iterator) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    private static CompletableFuture<Long> drain(SocketPair pair) {
        CompletableFuture<Long> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
                long total = 0;
                for (int n; (n = pair.receiver().read(buf.clear())) >= 0; ) {
                    total += n;
                }
                f.complete(total);
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }, "batch-drain");
        t.setDaemon(true);
        t.start();
        return f;
    }

    private static double runC(String exe, Path dir, int files, int size, int reps, String target) throws Exception {
        Process p = new ProcessBuilder(exe, dir.toString(), Integer.toString(files), Integer.toString(size),
                Integer.toString(reps), target).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (p.waitFor() != 0) {
            throw new IOException(exe + " failed: " + out);
        }
        return Double.parseDouble(out);
    }

    private static void print(String target, int files, int size, int reps, int trials, Map<String, List<Double>> ns,
            long allocated) {
        System.out.printf(Locale.ROOT, "%n%d x %d B to %s: time per item in us, median [min-max] of %d trials (each the median of %d reps)%n%n",
                files, size, target.equals("tcp") ? "a loopback TCP socket" : "/dev/null", trials, reps);
        double floor = ns.containsKey("C loop of sendfile(2) (floor)") ? Stats.median(ns.get("C loop of sendfile(2) (floor)")) : Double.NaN;
        double transferTo = Stats.median(ns.get("FileChannel.transferTo x " + files));
        System.out.println("| contender | us per item | vs C loop | vs transferTo |");
        System.out.println("|---|---|---|---|");
        for (Map.Entry<String, List<Double>> e : ns.entrySet()) {
            List<Double> us = e.getValue().stream().map(x -> x / 1000).toList();
            double m = Stats.median(e.getValue());
            System.out.printf(Locale.ROOT, "| %s | %s | %.2fx | %.2fx |%n", e.getKey(), Stats.spread(us, 2), m / floor, m / transferTo);
        }
        System.out.printf(Locale.ROOT, "%nJava heap allocated per sendfileBatch call (counts array passed in): %d B%n", allocated);
    }
}
