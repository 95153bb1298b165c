package dev.zerocopy.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.zerocopy.Measurement;
import dev.zerocopy.ThreadUsage;

/**
 * Runs every contender on the same data, per target and size, interleaved (A B C A B C ...) so
 * that drift (other load, frequency, page cache) hits them all alike; warm-up rounds first, then
 * the measured ones. One sample is a batch of transfers of the size, at consecutive offsets of the
 * source, long enough (--batch) for the clocks to resolve it. Everything is measured on the
 * sending thread (this one): wall time until the receiver has the last byte, its CPU time, faults
 * and context switches (getrusage RUSAGE_THREAD), and for the library's paths the syscalls the
 * shim made. A contender that fails gets its error in its row; the run goes on.
 */
final class Comparison {
    /** What to run. */
    record Settings(List<Contender> contenders, boolean contendersChosen, List<Target> targets, List<Long> sizes,
                    int repeats, int warmup, long batchBytes, Path workDir) {
    }

    /**
     * One measured batch: bytes moved and what it cost the sending thread; kernelIoCalls is the
     * kernel's read/write-family syscall count ({@link KernelIo}), -1 where unavailable;
     * completions the MSG_ZEROCOPY completions of the batch, null for other paths.
     */
    record Sample(long bytes, long wallNanos, ThreadUsage usage, long kernelIoCalls, Contender.Completions completions) {
        double gbps() {
            return wallNanos > 0 ? (double) bytes / wallNanos : Double.NaN;
        }

        double perMiB(long count) {
            return count * (double) (1 << 20) / bytes;
        }

        double msPerGiB(long nanos) {
            return nanos / 1e6 * (double) (1L << 30) / bytes;
        }
    }

    /** The samples of one contender on one target and size. */
    static final class Row {
        final Target target;
        final long size;
        final Contender contender;
        final int transfersPerSample;
        final List<Sample> samples = new ArrayList<>();
        String error;
        boolean verified = true;

        Row(Target target, long size, Contender contender, int transfersPerSample) {
            this.target = target;
            this.size = size;
            this.contender = contender;
            this.transfersPerSample = transfersPerSample;
        }

        boolean failed() {
            return error != null;
        }

        double gbpsMedian() {
            return median(samples.stream().mapToDouble(Sample::gbps).toArray());
        }

        double gbpsMin() {
            return samples.stream().mapToDouble(Sample::gbps).min().orElse(Double.NaN);
        }

        double gbpsMax() {
            return samples.stream().mapToDouble(Sample::gbps).max().orElse(Double.NaN);
        }

        /** Median CPU time of the sending thread per GiB, from its CPU clock (exact). */
        double cpuMsPerGiB() {
            return median(samples.stream().mapToDouble(s -> s.msPerGiB(s.usage().threadCpuNanos())).toArray());
        }

        /** User CPU per GiB from getrusage, summed over all samples (it is sampled per tick, so sums beat medians). */
        double userMsPerGiB() {
            return totalMsPerGiB(samples.stream().mapToLong(s -> s.usage().userNanos()).sum());
        }

        /** System CPU per GiB from getrusage, summed over all samples. */
        double systemMsPerGiB() {
            return totalMsPerGiB(samples.stream().mapToLong(s -> s.usage().systemNanos()).sum());
        }

        private double totalMsPerGiB(long nanos) {
            long bytes = samples.stream().mapToLong(Sample::bytes).sum();
            return bytes == 0 ? Double.NaN : nanos / 1e6 * (double) (1L << 30) / bytes;
        }

        /** NaN when the contender's syscalls are not counted (the NIO paths run outside the shim). */
        double syscallsPerMiB() {
            if (!contender.countsSyscalls()) {
                return Double.NaN;
            }
            return median(samples.stream().mapToDouble(s -> s.perMiB(s.usage().syscalls())).toArray());
        }

        /** The kernel's read/write-family syscalls per MiB (see KernelIo), for every contender; NaN if unavailable. */
        double kernelIoCallsPerMiB() {
            if (samples.stream().anyMatch(s -> s.kernelIoCalls() < 0)) {
                return Double.NaN;
            }
            return median(samples.stream().mapToDouble(s -> s.perMiB(s.kernelIoCalls())).toArray());
        }

        double minorFaultsPerMiB() {
            return median(samples.stream().mapToDouble(s -> s.perMiB(s.usage().minorFaults())).toArray());
        }

        double majorFaultsPerMiB() {
            return median(samples.stream().mapToDouble(s -> s.perMiB(s.usage().majorFaults())).toArray());
        }

        double voluntarySwitchesPerMiB() {
            return median(samples.stream().mapToDouble(s -> s.perMiB(s.usage().voluntaryContextSwitches())).toArray());
        }

        /** MSG_ZEROCOPY completions summed over the measured samples, or null for paths without them. */
        Contender.Completions completions() {
            Contender.Completions sum = null;
            for (Sample s : samples) {
                if (s.completions() != null) {
                    sum = (sum == null ? Contender.Completions.NONE : sum).plus(s.completions());
                }
            }
            return sum;
        }

        double involuntarySwitchesPerMiB() {
            return median(samples.stream().mapToDouble(s -> s.perMiB(s.usage().involuntaryContextSwitches())).toArray());
        }
    }

    /** Receives one step per sample taken (or skipped after a failure). */
    interface Listener {
        void step(Row row);
    }

    private final Settings settings;

    Comparison(Settings settings) {
        this.settings = settings;
    }

    static double median(double[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    /** The contenders that run against a target: all that were asked for, or the defaults for its kind. */
    List<Contender> contendersFor(Target target) {
        List<Contender> out = new ArrayList<>();
        for (Contender c : settings.contenders()) {
            if (settings.contendersChosen() || c.runsByDefault(target.kind())) {
                out.add(c);
            }
        }
        return out;
    }

    /** Transfers per sample at this size: enough to fill the batch, within the source file. */
    int transfersPerSample(long size, long sourceSize) {
        long k = Math.max(1, settings.batchBytes() / size);
        return (int) Math.min(Math.min(k, sourceSize / size), Integer.MAX_VALUE);
    }

    /** The source file must hold the largest size, and a full batch of the smallest. */
    long sourceSize() {
        long max = settings.sizes().stream().mapToLong(Long::longValue).max().orElse(0);
        return Math.max(max, settings.batchBytes());
    }

    /** Samples this run takes (for the progress bar). */
    long totalSteps() {
        long rounds = (long) settings.warmup() + settings.repeats();
        long n = 0;
        for (Target t : settings.targets()) {
            n += contendersFor(t).size() * (long) settings.sizes().size() * rounds;
        }
        return n;
    }

    /** A contender's open endpoint and prepared transfer on one target. */
    private static final class Open {
        final Target.Endpoint endpoint;
        final Contender.Transfer transfer;

        Open(Target.Endpoint endpoint, Contender.Transfer transfer) {
            this.endpoint = endpoint;
            this.transfer = transfer;
        }

        void close() {
            try (Target.Endpoint e = endpoint; Contender.Transfer t = transfer) {
                // both closed
            } catch (IOException ignored) {
                // closing after a failure: the failure is what gets reported
            }
        }
    }

    /** Runs everything against source; rows in report order (target, size, contender). */
    List<Row> run(Source source, Listener listener) throws IOException {
        KernelIo kernelIo = KernelIo.openForThisThread(); // samples run on this thread
        try {
            return run(source, listener, kernelIo);
        } finally {
            if (kernelIo != null) {
                kernelIo.close();
            }
        }
    }

    private List<Row> run(Source source, Listener listener, KernelIo kernelIo) throws IOException {
        List<Row> rows = new ArrayList<>();
        int rounds = settings.warmup() + settings.repeats();
        for (Target target : settings.targets()) {
            List<Contender> contenders = contendersFor(target);
            Map<Contender, Open> open = new LinkedHashMap<>();
            try {
                for (long size : settings.sizes()) {
                    int k = transfersPerSample(size, source.size());
                    long crc = source.crc32c(0, k * size);
                    List<Row> group = new ArrayList<>();
                    for (Contender c : contenders) {
                        group.add(new Row(target, size, c, k));
                    }
                    rows.addAll(group);
                    for (int round = 0; round < rounds; round++) {
                        for (Row row : group) {
                            if (!row.failed()) {
                                try {
                                    Sample s = sample(row, source, open, crc, kernelIo);
                                    if (round >= settings.warmup()) {
                                        row.samples.add(s);
                                    }
                                } catch (IOException | RuntimeException e) {
                                    row.error = describe(e);
                                    Open o = open.remove(row.contender);
                                    if (o != null) {
                                        o.close(); // a half-sent sample leaves junk in the stream: start afresh
                                    }
                                }
                            }
                            listener.step(row);
                        }
                    }
                }
            } finally {
                open.values().forEach(Open::close);
            }
        }
        return rows;
    }

    private Sample sample(Row row, Source source, Map<Contender, Open> open, long expectedCrc, KernelIo kernelIo)
            throws IOException {
        Open o = open.get(row.contender);
        if (o == null) {
            Target.Endpoint endpoint = row.target.open(settings.workDir());
            try {
                o = new Open(endpoint, row.contender.open(source, endpoint));
            } catch (IOException | RuntimeException e) {
                endpoint.close();
                throw e;
            }
            open.put(row.contender, o);
        }
        long size = row.size;
        int k = row.transfersPerSample;
        long bytes = k * size;
        o.endpoint.begin(bytes);
        Contender.Completions zcBefore = o.transfer.completions();
        long ioBefore = kernelIo != null ? kernelIo.calls() : -1;
        ThreadUsage before = Measurement.threadUsage();
        for (int i = 0; i < k; i++) {
            o.transfer.run(i * size, size);
        }
        ThreadUsage after = Measurement.threadUsage();
        long ioCalls = kernelIo != null ? KernelIo.delta(ioBefore, kernelIo.calls()) : -1;
        Contender.Completions zcAfter = o.transfer.completions();
        Contender.Completions completions = zcAfter == null ? null : zcAfter.minus(zcBefore);
        Target.Receipt r = o.endpoint.finish(Math.max(60_000, bytes / 20_000)); // 20 MB/s would be pathological
        if (r.bytes() != bytes) {
            row.verified = false;
            throw new IOException("VERIFY FAILED: " + r.bytes() + " bytes arrived, " + bytes + " sent");
        }
        if (r.verifiable() && r.crc32c() != expectedCrc) {
            row.verified = false;
            throw new IOException(String.format("VERIFY FAILED: CRC32C %08x arrived, %08x sent", r.crc32c(), expectedCrc));
        }
        ThreadUsage used = after.minus(before);
        long end = Math.max(after.wallNanos(), r.lastByteNanos()); // both CLOCK_MONOTONIC (System.nanoTime on Linux)
        return new Sample(bytes, end - before.wallNanos(), used, ioCalls, completions);
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        return m != null ? m : e.getClass().getSimpleName();
    }
}
