package dev.zerocopy.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.zerocopy.Measurement;
import dev.zerocopy.ThreadAffinity;
import dev.zerocopy.ThreadUsage;

/**
 * Runs every contender on the same data, per target and size, interleaved (A B C A B C ...) so
 * that drift (other load, frequency, page cache) hits them all alike; warm-up rounds first, then
 * measured rounds until every row has at least the minimum of samples and its median's 95%
 * interval is within +-5%, or the cap is reached (only the rows still short of that run again).
 * One sample is a batch of transfers of the size, at consecutive offsets of the source, long
 * enough (--batch) for the clocks to resolve it, ended by a flush of what the sender holds back.
 * Per sample: wall time until the receiver has the last byte; the sending thread's CPU, faults and
 * context switches (getrusage RUSAGE_THREAD) and, for the library's paths, the shim's syscalls;
 * the receiving thread's CPU; whole-machine CPU from /proc/stat; for TCP the socket's tcp_info
 * and the namespace's delayed-ACK and autocorking counters. With --cpus the sending thread (this
 * one) and every receiving thread are pinned. A contender that fails gets its error in its row.
 */
final class Comparison {
    /** What to run; senderCpu and receiverCpu are -1 when not pinned. */
    record Settings(List<Contender> contenders, boolean contendersChosen, List<Target> targets, List<Long> sizes,
                    int minRepeats, int maxRepeats, int warmup, long batchBytes, Path workDir, int senderCpu, int receiverCpu) {
    }

    /** A row whose median's interval is within this fraction of it has converged. */
    static final double CONVERGED = 0.05;

    /**
     * One measured batch: bytes moved and what it cost. kernelIoCalls is the kernel's
     * read/write-family syscall count ({@link KernelIo}), -1 where unavailable; completions the
     * MSG_ZEROCOPY completions of the batch, null for other paths; tcp null for non-TCP targets;
     * offloads the sending device's offloads read back during the sample, null without a device.
     */
    record Sample(long bytes, long wallNanos, ThreadUsage usage, long kernelIoCalls, Contender.Completions completions,
                  long receiverCpuNanos, MachineCpu.Ticks machine, TcpCounters tcp, String offloads) {
        double gbps() {
            return wallNanos > 0 ? (double) bytes / wallNanos : Double.NaN;
        }

        double perMiB(long count) {
            return count * (double) (1 << 20) / bytes;
        }

        double msPerGiB(long nanos) {
            return nanos / 1e6 * (double) (1L << 30) / bytes;
        }

        /** Sending plus receiving thread CPU per GiB: exact thread clocks (on this kernel they include the softirq work the threads ran). */
        double threadsMsPerGiB() {
            return msPerGiB(usage.threadCpuNanos() + receiverCpuNanos);
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

        double[] gbpsSamples() {
            return samples.stream().mapToDouble(Sample::gbps).toArray();
        }

        double[] threadsCpuSamples() {
            return samples.stream().mapToDouble(Sample::threadsMsPerGiB).toArray();
        }

        double gbpsMedian() {
            return Statistics.median(gbpsSamples());
        }

        Statistics.Interval gbpsInterval() {
            return Statistics.medianInterval(gbpsSamples());
        }

        double gbpsMin() {
            return samples.stream().mapToDouble(Sample::gbps).min().orElse(Double.NaN);
        }

        double gbpsMax() {
            return samples.stream().mapToDouble(Sample::gbps).max().orElse(Double.NaN);
        }

        /** Enough samples for an interval and a test (warned about otherwise). */
        boolean enoughSamples() {
            return samples.size() >= Statistics.MIN_SAMPLES;
        }

        /** The median's 95% interval is within +-5% of it. */
        boolean converged() {
            return Statistics.relativeHalfWidth(gbpsSamples()) <= CONVERGED;
        }

        boolean multimodal() {
            return Statistics.multimodal(gbpsSamples());
        }

        /** Median CPU time of the sending thread per GiB, from its CPU clock (exact). */
        double cpuMsPerGiB() {
            return median(samples.stream().mapToDouble(s -> s.msPerGiB(s.usage().threadCpuNanos())).toArray());
        }

        /** Median CPU time of the receiving thread per GiB (0 for file and /dev/null targets). */
        double receiverMsPerGiB() {
            return median(samples.stream().mapToDouble(s -> s.msPerGiB(s.receiverCpuNanos())).toArray());
        }

        /** Median of sending plus receiving thread CPU per GiB. */
        double threadsMsPerGiB() {
            return median(threadsCpuSamples());
        }

        /** Whole-machine busy CPU per GiB (/proc/stat, incl. softirq), summed over the samples (ticks are 10 ms). */
        double machineMsPerGiB() {
            return machineTotal(MachineCpu.Ticks::busy);
        }

        /** The softirq part of {@link #machineMsPerGiB}. */
        double softirqMsPerGiB() {
            return machineTotal(MachineCpu.Ticks::softirq);
        }

        private double machineTotal(java.util.function.ToLongFunction<MachineCpu.Ticks> part) {
            if (samples.isEmpty() || samples.stream().anyMatch(s -> s.machine().busy() < 0)) {
                return Double.NaN;
            }
            return totalMsPerGiB(samples.stream().mapToLong(s -> part.applyAsLong(s.machine())).sum() * MachineCpu.NANOS_PER_TICK);
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

        /** Delayed ACKs summed over the samples (TCP rows), -1 where unknown. */
        long delayedAcks() {
            if (samples.isEmpty() || samples.stream().anyMatch(s -> s.tcp() == null || s.tcp().delayedAcks() < 0)) {
                return -1;
            }
            return samples.stream().mapToLong(s -> s.tcp().delayedAcks()).sum();
        }

        /** Retransmitted segments summed over the samples (TCP rows), -1 where unknown. */
        long retransmits() {
            if (samples.isEmpty() || samples.stream().anyMatch(s -> s.tcp() == null)) {
                return -1;
            }
            return samples.stream().mapToLong(s -> s.tcp().retransmits()).sum();
        }

        /** Data segments per MiB (TCP rows), NaN where unknown. */
        double segmentsPerMiB() {
            if (samples.isEmpty() || samples.stream().anyMatch(s -> s.tcp() == null)) {
                return Double.NaN;
            }
            return median(samples.stream().mapToDouble(s -> s.perMiB(s.tcp().segments())).toArray());
        }

        /** The distinct offload readings of the sending device during the samples (one, if nothing changed). */
        List<String> offloadsSeen() {
            return samples.stream().map(Sample::offloads).filter(o -> o != null).distinct().collect(java.util.stream.Collectors.toList());
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
        return Statistics.median(values);
    }

    /** The contenders that run against a target at a size: all that were asked for, or the defaults there. */
    List<Contender> contendersFor(Target target, long size) {
        List<Contender> out = new ArrayList<>();
        for (Contender c : settings.contenders()) {
            if (settings.contendersChosen() || c.runsByDefault(target.kind(), size)) {
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

    /** Samples this run takes at most (for the progress bar; rows that converge early take fewer). */
    long totalSteps() {
        long rounds = (long) settings.warmup() + settings.maxRepeats();
        long n = 0;
        for (Target t : settings.targets()) {
            for (long size : settings.sizes()) {
                n += contendersFor(t, size).size() * rounds;
            }
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

    /** Runs everything against source on the calling thread (pinned first with --cpus); rows in report order. */
    List<Row> run(Source source, Listener listener) throws IOException {
        if (settings.senderCpu() >= 0) {
            ThreadAffinity.pinCurrentThread(settings.senderCpu());
            Thread.currentThread().setName("compare-sender"); // named once pinned (see Receiver)
        }
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
        for (Target target : settings.targets()) {
            Map<Contender, Open> open = new LinkedHashMap<>();
            try {
                for (long size : settings.sizes()) {
                    int k = transfersPerSample(size, source.size());
                    long crc = source.crc32c(0, k * size);
                    List<Row> group = new ArrayList<>();
                    for (Contender c : contendersFor(target, size)) {
                        group.add(new Row(target, size, c, k));
                    }
                    rows.addAll(group);
                    for (int round = 0; round < settings.warmup(); round++) {
                        for (Row row : group) {
                            take(row, source, open, crc, kernelIo, false);
                            listener.step(row);
                        }
                    }
                    while (true) {
                        List<Row> todo = new ArrayList<>();
                        for (Row row : group) {
                            int n = row.samples.size();
                            if (!row.failed() && (n < settings.minRepeats() || (n < settings.maxRepeats() && !row.converged()))) {
                                todo.add(row);
                            }
                        }
                        if (todo.isEmpty()) {
                            break;
                        }
                        for (Row row : todo) {
                            take(row, source, open, crc, kernelIo, true);
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

    /** One sample of row, kept if measured; a failure ends the row with its error. */
    private void take(Row row, Source source, Map<Contender, Open> open, long crc, KernelIo kernelIo, boolean measured) {
        if (row.failed()) {
            return;
        }
        try {
            Sample s = sample(row, source, open, crc, kernelIo);
            if (measured) {
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

    private Sample sample(Row row, Source source, Map<Contender, Open> open, long expectedCrc, KernelIo kernelIo)
            throws IOException {
        Open o = open.get(row.contender);
        if (o == null) {
            Target.Endpoint endpoint = row.target.open(settings.workDir(), settings.receiverCpu());
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
        TcpCounters.Reading tcpBefore = o.endpoint.tcpReading();
        MachineCpu.Ticks machineBefore = MachineCpu.now();
        long ioBefore = kernelIo != null ? kernelIo.calls() : -1;
        ThreadUsage before = Measurement.threadUsage();
        for (int i = 0; i < k; i++) {
            o.transfer.run(i * size, size);
        }
        o.endpoint.flush();
        ThreadUsage after = Measurement.threadUsage();
        long ioCalls = kernelIo != null ? KernelIo.delta(ioBefore, kernelIo.calls()) : -1;
        Contender.Completions zcAfter = o.transfer.completions();
        Contender.Completions completions = zcAfter == null ? null : zcAfter.minus(zcBefore);
        Target.Receipt r = o.endpoint.finish(Math.max(60_000, bytes / 20_000)); // 20 MB/s would be pathological
        MachineCpu.Ticks machine = MachineCpu.delta(machineBefore, MachineCpu.now());
        TcpCounters.Reading tcpAfter = o.endpoint.tcpReading();
        TcpCounters tcp = tcpBefore == null || tcpAfter == null ? null : tcpAfter.minus(tcpBefore);
        dev.zerocopy.NetDevices.Offloads offloads = o.endpoint.offloads(); // read back: is SG really as set?
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
        return new Sample(bytes, end - before.wallNanos(), used, ioCalls, completions, r.receiverCpuNanos(), machine, tcp,
                offloads == null ? null : offloads.toString());
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        return m != null ? m : e.getClass().getSimpleName();
    }
}
