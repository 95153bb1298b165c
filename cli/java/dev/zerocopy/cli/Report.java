package dev.zerocopy.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The results as a table (stdout), CSV and JSON. */
final class Report {
    private final Comparison.Settings settings;
    private final List<Comparison.Row> rows;
    private final Map<String, String> machine;
    private final List<String> notes;

    Report(Comparison.Settings settings, List<Comparison.Row> rows, String loadBefore, List<String> notes) {
        this.settings = settings;
        this.rows = rows;
        this.notes = notes;
        this.machine = machine();
        machine.put("load_average_before", loadBefore);
        machine.put("load_average_after", loadAverage());
    }

    /** The 1, 5 and 15 minute load averages: how busy the machine was (other work skews every figure). */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Paths.get("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /** Kernel, CPU, cores, memory and JVM: what a reader needs to weigh the figures. */
    static Map<String, String> machine() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("kernel", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        m.put("cpu", firstValue(Paths.get("/proc/cpuinfo"), "model name"));
        m.put("cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
        m.put("memory", firstValue(Paths.get("/proc/meminfo"), "MemTotal"));
        m.put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        return m;
    }

    private static String firstValue(Path file, String key) {
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith(key)) {
                    int colon = line.indexOf(':');
                    return colon >= 0 ? line.substring(colon + 1).trim() : line;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux /proc: unknown
        }
        return "unknown";
    }

    /** The ratio baseline's row on the row's target and size, or null. */
    Comparison.Row baselineRow(Comparison.Row row) {
        for (Comparison.Row r : rows) {
            if (r.target == row.target && r.size == row.size && r.contender.id().equals(Contenders.BASELINE) && !r.failed()
                    && !r.samples.isEmpty()) {
                return r;
            }
        }
        return null;
    }

    double ratio(Comparison.Row row) {
        Comparison.Row b = baselineRow(row);
        return row.failed() || b == null ? Double.NaN : row.gbpsMedian() / b.gbpsMedian();
    }

    /** Mann-Whitney p of the row's GB/s against the baseline's, NaN without a baseline. */
    double pVsBaseline(Comparison.Row row) {
        Comparison.Row b = baselineRow(row);
        return row.failed() || b == null || row.samples.isEmpty() ? Double.NaN : Statistics.mannWhitneyP(row.gbpsSamples(), b.gbpsSamples());
    }

    /** "1.52x" when significantly different from transferTo, "~" when not, "base" for transferTo itself. */
    String ratioText(Comparison.Row row) {
        Comparison.Row b = baselineRow(row);
        if (b == null || row.failed()) {
            return "-";
        }
        if (b == row) {
            return "base";
        }
        return Statistics.differ(row.gbpsSamples(), b.gbpsSamples()) ? fmt(ratio(row), 2) + "x" : "~";
    }

    /** Warnings of a row: too few samples, interval not within +-5% at the cap, several modes. */
    static String flags(Comparison.Row row) {
        List<String> f = new ArrayList<>();
        if (!row.enoughSamples()) {
            f.add("n=" + row.samples.size() + "<" + Statistics.MIN_SAMPLES + "!");
        } else if (!row.converged()) {
            f.add("*");
        }
        if (row.multimodal()) {
            f.add("MULTIMODAL");
        }
        return String.join(" ", f);
    }

    private static String fmt(double v, int decimals) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    /** Fewer decimals as numbers grow, so columns stay short. */
    static String num(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        double a = Math.abs(v);
        return fmt(v, a >= 100 ? 0 : a >= 10 ? 1 : a >= 0.1 ? 2 : a == 0 ? 0 : 3);
    }

    /** The summary, then the compact table (or every column when verbose), then the notes. */
    void print(PrintStream out, boolean verbose) {
        out.println("native-zerocopy compare: every path on the same page-cached data, interleaved; " + settings.minRepeats()
                + " to " + settings.maxRepeats() + " measured samples per row (more while its median's 95% interval is "
                + "wider than +-5%) after " + settings.warmup() + " warm-up");
        out.println("machine: " + machine.get("kernel") + ", " + machine.get("cpu") + ", " + machine.get("cores")
                + " cores, " + machine.get("memory") + ", " + machine.get("jvm") + "; load average "
                + machine.get("load_average_before") + " before, " + machine.get("load_average_after") + " after");
        out.println("pinning: " + (settings.senderCpu() < 0 ? "none (--cpus none)"
                : "sender on CPU " + settings.senderCpu() + ", receivers on CPU " + settings.receiverCpu() + " (--cpus)"));
        for (String n : notes) {
            out.println(n);
        }
        printSummary(out);
        if (verbose) {
            printVerbose(out);
        } else {
            printCompact(out);
        }
        printNotes(out);
    }

    private void printSummary(PrintStream out) {
        Verdict v = new Verdict(rows);
        out.println();
        out.println("SUMMARY ('~': no significant difference, two-sided Mann-Whitney U p >= 0.05; CPU: sending + receiving thread)");
        for (String line : v.perGroup()) {
            out.println("  " + line);
        }
        out.println("classic model:");
        for (Verdict.Claim c : v.claims()) {
            out.println("  [" + c.status() + "] " + c.statement());
            for (Verdict.Evidence e : c.evidence()) {
                String mark = switch (e.outcome()) {
                    case CONFIRMED -> "confirmed";
                    case CONTRADICTED -> "CONTRADICTED";
                    case NO_DIFFERENCE -> "~";
                };
                out.println("      " + mark + ": " + e.where() + ": " + e.figures());
            }
        }
    }

    private void printCompact(PrintStream out) {
        out.println();
        out.println("GB/s = 10^9 B/s until the receiver holds the last byte, median [95% interval]; x trTo: median over NIO "
                + "transferTo's, '~' if not significant;");
        out.println("CPU ms/GiB: machine = whole machine from /proc/stat incl. softirq (10 ms ticks, summed over the samples), "
                + "threads = sender + receiver thread clocks;");
        out.println("flags: '*' interval wider than +-5% at the cap, 'n=..<6!' too few samples, MULTIMODAL samples in separate clusters.");
        String format = "%-44s %-20s %-24s %7s %9s %9s  %-14s %s";
        String header = String.format(Locale.ROOT, format, "method", "copies CPU/DMA", "GB/s [95% interval]", "x trTo",
                "machine", "threads", "flags", "check");
        printGrouped(out, false, " per sample", header, (row, label, copies) -> {
            Statistics.Interval ci = row.gbpsInterval();
            String gbps = num(row.gbpsMedian()) + (ci.defined() ? " [" + num(ci.low()) + "-" + num(ci.high()) + "]" : " [n<6]");
            return String.format(Locale.ROOT, format, label, copies, gbps, ratioText(row), num(row.machineMsPerGiB()),
                    num(row.threadsMsPerGiB()), flags(row), check(row) + completions(row));
        });
    }

    /** One row's line in a table, after its label and its classic-model copies. */
    private interface RowLine {
        String format(Comparison.Row row, String label, String copies);
    }

    /**
     * The rows grouped as both tables show them: a line per target, then per size a line saying
     * how many transfers a sample holds and the table's header; a failed row shows its error.
     */
    private void printGrouped(PrintStream out, boolean blankBeforeSize, String perSample, String header, RowLine line) {
        Target lastTarget = null;
        long lastSize = -1;
        for (Comparison.Row row : rows) {
            if (row.target != lastTarget) {
                out.println();
                out.println("== target " + row.target.label() + ": " + row.target.describe());
                lastTarget = row.target;
                lastSize = -1;
            }
            if (row.size != lastSize) {
                if (blankBeforeSize) {
                    out.println();
                }
                out.println("-- " + Sizes.format(row.size) + " per transfer, " + row.transfersPerSample + perSample);
                out.println(header);
                lastSize = row.size;
            }
            String label = (row.contender.family().equals("nio") ? "" : "native ") + row.contender.label();
            String copies = row.contender.cpuCopies() + " / " + row.contender.dmaCopies();
            if (row.failed()) {
                out.println(String.format(Locale.ROOT, "%-44s %-20s FAILED: %s", label, copies, row.error));
            } else {
                out.println(line.format(row, label, copies));
            }
        }
    }

    void printVerbose(PrintStream out) {
        out.println();
        out.println("copies: classic model per byte (CPU/DMA); sysc/MiB: syscalls counted exactly in the shim ('-': NIO, outside it);");
        out.println("rw/MiB: the kernel's read/write-family count for the thread (/proc/thread-self/io syscr+syscw), for all rows:");
        out.println("  (p)read/write count 1, sendfile and copy_file_range 2, splice/send/mmap/munmap/fstat 0;");
        out.println("GB/s = 10^9 B/s until the receiver holds the last byte; CPU (thread clock; user/sys: getrusage, tick-sampled),");
        out.println("faults and context switches are the sending thread's, per GiB or MiB moved;");
        out.println("x transferTo = median GB/s over NIO FileChannel.transferTo's on the same target and size ('~': not significant);");
        out.println("machine/softirq: whole-machine CPU ms/GiB from /proc/stat; recv: receiving thread CPU ms/GiB;");
        out.println("segs/MiB, dACK, rtx: TCP data segments per MiB, delayed ACKs and retransmissions summed over the samples.");
        String header = String.format(Locale.ROOT, "%-44s %-20s %9s %8s  %-23s %22s %8s %8s %7s %9s %13s %8s %5s %4s %8s  %s",
                "method", "copies CPU/DMA", "sysc/MiB", "rw/MiB", "GB/s median [min-max]", "CPU ms/GiB (user/sys)", "recv",
                "machine", "softirq", "flt/MiB", "csw/MiB v/i", "segs/MiB", "dACK", "rtx", "x trTo", "check");
        printGrouped(out, true, " transfer(s) per sample", header, (row, label, copies) -> {
            String gbps = num(row.gbpsMedian()) + " [" + num(row.gbpsMin()) + "-" + num(row.gbpsMax()) + "]";
            String cpu = num(row.cpuMsPerGiB()) + " (" + num(row.userMsPerGiB()) + "/" + num(row.systemMsPerGiB()) + ")";
            double faults = row.minorFaultsPerMiB() + row.majorFaultsPerMiB();
            String csw = num(row.voluntarySwitchesPerMiB()) + "/" + num(row.involuntarySwitchesPerMiB());
            return String.format(Locale.ROOT, "%-44s %-20s %9s %8s  %-23s %22s %8s %8s %7s %9s %13s %8s %5s %4s %8s  %s",
                    label, copies, num(row.syscallsPerMiB()), num(row.kernelIoCallsPerMiB()), gbps, cpu, num(row.receiverMsPerGiB()),
                    num(row.machineMsPerGiB()), num(row.softirqMsPerGiB()), num(faults), csw, num(row.segmentsPerMiB()),
                    count(row.delayedAcks()), count(row.retransmits()), ratioText(row),
                    check(row) + completions(row) + offloads(row) + (flags(row).isEmpty() ? "" : " " + flags(row)));
        });
    }

    private static String count(long n) {
        return n < 0 ? "-" : Long.toString(n);
    }

    /** "; sender scatter-gather: off; ..." as read back during the row's samples (veth links). */
    private static String offloads(Comparison.Row row) {
        List<String> seen = row.offloadsSeen();
        return seen.isEmpty() ? "" : "; read back: " + String.join(" | ", seen);
    }

    private void printNotes(PrintStream out) {
        if (rows.stream().anyMatch(r -> r.completions() != null)) {
            out.println();
            out.println("NOTE: msg-zerocopy: sends the kernel completed without a copy vs. with one (SO_EE_CODE_ZEROCOPY_COPIED),");
            out.println("  from the socket's error queue, over the measured samples. On loopback and veth expect 'copied': a local");
            out.println("  receiver gets the data by a copy (msg_zerocopy.rst), so the pinning is paid and nothing is saved. Over");
            out.println("  veth-nosg the kernel may report 'zero-copied' though segmenting for a device without SG copied: the");
            out.println("  completion reports only the copy for local delivery. 'plain': sends after ENOBUFS, copied by design.");
        }
        if (rows.stream().anyMatch(r -> "veth-nosg".equals(r.target.link()))) {
            out.println();
            out.println("NOTE: veth-nosg: since Linux 4.17 (\"tcp: switch to GSO being always on\", commit 0a6b2a1dc2a2) TCP always");
            out.println("  puts sendfile's page references into the socket buffer, SG on the device or not; without SG the copy");
            out.println("  moves to transmit time, where software GSO cuts the skb into linear MTU-sized ones (skb_segment):");
            out.println("  one CPU copy of every byte, the 2.1-style cost, made later. veth-sg keeps the 2.4-style gather.");
        }
        boolean noCopy = rows.stream().anyMatch(r -> !r.target.copies());
        if (noCopy) {
            out.println();
            out.println("NOTE: /dev/null discards bytes unread: sendfile, splice and mmap+write copy NOTHING there; "
                    + "its GB/s are call overhead, never a copy rate.");
        }
    }

    /** "; MSG_ZEROCOPY 0 zero-copied / 64 copied" for a row with completions, else "". */
    private static String completions(Comparison.Row row) {
        Contender.Completions c = row.completions();
        if (c == null) {
            return "";
        }
        return "; MSG_ZEROCOPY " + c.zeroCopied() + " zero-copied / " + c.copied() + " copied"
                + (c.plain() > 0 ? " / " + c.plain() + " plain" : "");
    }

    static String check(Comparison.Row row) {
        if (!row.target.copies()) {
            return "none: nothing is copied";
        }
        return row.verified ? "CRC32C ok" : "VERIFY FAILED";
    }

    private static final String[] CSV_COLUMNS = {
        "target", "copies_data", "size_bytes", "method", "family", "cpu_copies", "dma_copies", "transfers_per_sample",
        "samples", "gbps_median", "gbps_min", "gbps_max", "cpu_ms_per_gib", "user_ms_per_gib", "sys_ms_per_gib", "syscalls_per_mib",
        "kernel_rw_calls_per_mib",
        "minor_faults_per_mib", "major_faults_per_mib", "voluntary_cs_per_mib", "involuntary_cs_per_mib",
        "ratio_to_transferto", "verified", "error",
        "zerocopy_sends", "zerocopy_zero_copied", "zerocopy_copied", "zerocopy_plain", "link",
        "gbps_ci_low", "gbps_ci_high", "p_vs_transferto", "converged", "multimodal", "receiver_cpu_ms_per_gib",
        "threads_cpu_ms_per_gib", "machine_cpu_ms_per_gib", "softirq_ms_per_gib", "delayed_acks", "retransmits"};

    void writeCsv(Path file) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write(String.join(",", CSV_COLUMNS));
            w.write('\n');
            for (Comparison.Row r : rows) {
                List<String> v = new ArrayList<>();
                v.add(r.target.name());
                v.add(Boolean.toString(r.target.copies()));
                v.add(Long.toString(r.size));
                v.add(r.contender.id());
                v.add(r.contender.family());
                v.add(Integer.toString(r.contender.cpuCopiesWithGather()));
                v.add(Integer.toString(r.contender.dmaCopies()));
                v.add(Integer.toString(r.transfersPerSample));
                v.add(Integer.toString(r.samples.size()));
                for (double d : new double[] {r.gbpsMedian(), r.gbpsMin(), r.gbpsMax(), r.cpuMsPerGiB(), r.userMsPerGiB(),
                        r.systemMsPerGiB(), r.syscallsPerMiB(), r.kernelIoCallsPerMiB(), r.minorFaultsPerMiB(), r.majorFaultsPerMiB(),
                        r.voluntarySwitchesPerMiB(), r.involuntarySwitchesPerMiB(), ratio(r)}) {
                    v.add(Double.isNaN(d) || r.failed() ? "" : String.format(Locale.ROOT, "%.6g", d));
                }
                v.add(r.target.copies() ? Boolean.toString(r.verified && !r.failed()) : "");
                v.add(r.error == null ? "" : csvQuote(r.error));
                Contender.Completions c = r.completions();
                for (long n : c == null ? new long[0] : new long[] {c.sends(), c.zeroCopied(), c.copied(), c.plain()}) {
                    v.add(Long.toString(n));
                }
                if (c == null) {
                    v.addAll(List.of("", "", "", ""));
                }
                v.add(r.target.link() == null ? "" : r.target.link());
                Statistics.Interval ci = r.gbpsInterval();
                for (double d : new double[] {ci.low(), ci.high(), pVsBaseline(r)}) {
                    v.add(Double.isNaN(d) || r.failed() ? "" : String.format(Locale.ROOT, "%.6g", d));
                }
                v.add(Boolean.toString(!r.failed() && r.converged()));
                v.add(Boolean.toString(!r.failed() && r.multimodal()));
                for (double d : new double[] {r.receiverMsPerGiB(), r.threadsMsPerGiB(), r.machineMsPerGiB(), r.softirqMsPerGiB()}) {
                    v.add(Double.isNaN(d) || r.failed() ? "" : String.format(Locale.ROOT, "%.6g", d));
                }
                v.add(r.delayedAcks() < 0 ? "" : Long.toString(r.delayedAcks()));
                v.add(r.retransmits() < 0 ? "" : Long.toString(r.retransmits()));
                w.write(String.join(",", v));
                w.write('\n');
            }
        }
    }

    private static String csvQuote(String s) {
        return "\"" + s.replace("\"", "\"\"").replace('\n', ' ') + "\"";
    }

    void writeJson(Path file) throws IOException {
        Json j = new Json();
        j.open('{');
        j.field("tool", "native-zerocopy compare");
        j.field("created", Instant.now().toString());
        j.key("machine").open('{');
        machine.forEach(j::field);
        j.close('}');
        j.key("settings").open('{');
        j.field("min_repeats", settings.minRepeats());
        j.field("max_repeats", settings.maxRepeats());
        j.field("warmup", settings.warmup());
        j.field("sender_cpu", settings.senderCpu());
        j.field("receiver_cpu", settings.receiverCpu());
        j.field("batch_bytes", settings.batchBytes());
        j.key("sizes").open('[');
        settings.sizes().forEach(s -> j.value(s));
        j.close(']');
        j.close('}');
        j.key("targets").open('[');
        for (Target t : settings.targets()) {
            j.open('{');
            j.field("name", t.name());
            j.field("label", t.label());
            j.field("description", t.describe());
            j.field("copies_data", t.copies());
            if (t.link() != null) {
                j.field("link", t.link());
            }
            j.close('}');
        }
        j.close(']');
        j.key("results").open('[');
        for (Comparison.Row r : rows) {
            j.open('{');
            j.field("target", r.target.name());
            if (r.target.link() != null) {
                j.field("link", r.target.link());
            }
            j.field("size_bytes", r.size);
            j.field("method", r.contender.id());
            j.field("label", r.contender.label());
            j.field("family", r.contender.family());
            j.field("cpu_copies", r.contender.cpuCopiesWithGather());
            j.field("cpu_copies_text", r.contender.cpuCopies());
            j.field("dma_copies", r.contender.dmaCopies());
            j.field("transfers_per_sample", r.transfersPerSample);
            if (r.failed()) {
                j.field("error", r.error);
            } else {
                j.field("gbps_median", r.gbpsMedian());
                j.field("gbps_min", r.gbpsMin());
                j.field("gbps_max", r.gbpsMax());
                j.field("cpu_ms_per_gib", r.cpuMsPerGiB());
                j.field("user_ms_per_gib", r.userMsPerGiB());
                j.field("sys_ms_per_gib", r.systemMsPerGiB());
                j.field("syscalls_per_mib", r.syscallsPerMiB());
                j.field("kernel_rw_calls_per_mib", r.kernelIoCallsPerMiB());
                j.field("minor_faults_per_mib", r.minorFaultsPerMiB());
                j.field("major_faults_per_mib", r.majorFaultsPerMiB());
                j.field("voluntary_cs_per_mib", r.voluntarySwitchesPerMiB());
                j.field("involuntary_cs_per_mib", r.involuntarySwitchesPerMiB());
                j.field("ratio_to_transferto", ratio(r));
                j.field("p_vs_transferto", pVsBaseline(r));
                j.field("ratio_significant", !ratioText(r).equals("~"));
                Statistics.Interval ci = r.gbpsInterval();
                j.field("gbps_ci_low", ci.low());
                j.field("gbps_ci_high", ci.high());
                j.field("converged", r.converged());
                j.field("multimodal", r.multimodal());
                j.field("sender_cpu_ms_per_gib", r.cpuMsPerGiB());
                j.field("receiver_cpu_ms_per_gib", r.receiverMsPerGiB());
                j.field("threads_cpu_ms_per_gib", r.threadsMsPerGiB());
                j.field("machine_cpu_ms_per_gib", r.machineMsPerGiB());
                j.field("softirq_ms_per_gib", r.softirqMsPerGiB());
                if (r.delayedAcks() >= 0) {
                    j.field("delayed_acks", r.delayedAcks());
                }
                if (r.retransmits() >= 0) {
                    j.field("retransmits", r.retransmits());
                }
                if (!r.offloadsSeen().isEmpty()) {
                    j.key("sender_offloads_read_back").open('[');
                    r.offloadsSeen().forEach(j::value);
                    j.close(']');
                }
                completions(j, r.completions());
            }
            if (r.target.copies()) {
                j.field("verified", r.verified && !r.failed());
            } else {
                j.key("verified").value((String) null); // nothing is copied, so nothing to verify
            }
            j.key("samples").open('[');
            for (Comparison.Sample s : r.samples) {
                j.open('{');
                j.field("bytes", s.bytes());
                j.field("wall_ns", s.wallNanos());
                j.field("syscalls", r.contender.countsSyscalls() ? s.usage().syscalls() : -1);
                j.field("kernel_rw_calls", s.kernelIoCalls());
                j.field("cpu_ns", s.usage().threadCpuNanos());
                j.field("user_ns", s.usage().userNanos());
                j.field("sys_ns", s.usage().systemNanos());
                j.field("minor_faults", s.usage().minorFaults());
                j.field("major_faults", s.usage().majorFaults());
                j.field("voluntary_cs", s.usage().voluntaryContextSwitches());
                j.field("involuntary_cs", s.usage().involuntaryContextSwitches());
                j.field("receiver_cpu_ns", s.receiverCpuNanos());
                j.field("machine_busy_ticks", s.machine().busy());
                j.field("machine_softirq_ticks", s.machine().softirq());
                if (s.tcp() != null) {
                    j.key("tcp").open('{');
                    j.field("segments", s.tcp().segments());
                    j.field("retransmits", s.tcp().retransmits());
                    j.field("rtt_us", s.tcp().rttMicros());
                    j.field("delayed_acks", s.tcp().delayedAcks());
                    j.field("autocorked", s.tcp().autoCorked());
                    j.close('}');
                }
                if (s.offloads() != null) {
                    j.field("sender_offloads", s.offloads());
                }
                completions(j, s.completions());
                j.close('}');
            }
            j.close(']');
            j.close('}');
        }
        j.close(']');
        j.close('}');
        Files.writeString(file, j.toString() + "\n", StandardCharsets.UTF_8);
    }

    /** "msg_zerocopy": {sends, zero_copied, copied, plain}, only where there are completions. */
    private static void completions(Json j, Contender.Completions c) {
        if (c == null) {
            return;
        }
        j.key("msg_zerocopy").open('{');
        j.field("sends", c.sends());
        j.field("zero_copied", c.zeroCopied());
        j.field("copied", c.copied());
        j.field("plain", c.plain());
        j.close('}');
    }

    /** A small JSON writer: objects, arrays, strings, numbers (NaN as null), booleans. */
    private static final class Json {
        private final StringBuilder sb = new StringBuilder();
        private boolean needComma;
        private int depth;

        Json open(char c) {
            comma();
            sb.append(c);
            depth++;
            needComma = false;
            return this;
        }

        Json close(char c) {
            depth--;
            newline();
            sb.append(c);
            needComma = true;
            return this;
        }

        Json key(String k) {
            comma();
            quote(k);
            sb.append(": ");
            needComma = false;
            return this;
        }

        void field(String k, String v) {
            key(k);
            value(v);
        }

        void field(String k, long v) {
            key(k);
            value(v);
        }

        void field(String k, double v) {
            key(k);
            comma();
            sb.append(Double.isNaN(v) || Double.isInfinite(v) ? "null" : Double.toString(v));
            needComma = true;
        }

        void field(String k, boolean v) {
            key(k);
            comma();
            sb.append(v);
            needComma = true;
        }

        void value(String v) {
            comma();
            if (v == null) {
                sb.append("null");
            } else {
                quote(v);
            }
            needComma = true;
        }

        void value(long v) {
            comma();
            sb.append(v);
            needComma = true;
        }

        private void comma() {
            if (needComma) {
                sb.append(',');
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ' ') {
                newline();
            }
        }

        private void newline() {
            sb.append('\n');
            for (int i = 0; i < depth; i++) {
                sb.append("  ");
            }
        }

        private void quote(String s) {
            sb.append('"');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '"':
                        sb.append("\\\"");
                        break;
                    case '\\':
                        sb.append("\\\\");
                        break;
                    case '\n':
                        sb.append("\\n");
                        break;
                    case '\r':
                        sb.append("\\r");
                        break;
                    case '\t':
                        sb.append("\\t");
                        break;
                    default:
                        if (c < 0x20) {
                            sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                        } else {
                            sb.append(c);
                        }
                }
            }
            sb.append('"');
        }

        @Override
        public String toString() {
            return sb.toString().stripLeading();
        }
    }
}
