package dev.zerocopy.cli;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The answer before the table: per target and size the fastest path and the path that cost the
 * least CPU, each named only when it beats the runner-up significantly (two-sided Mann-Whitney
 * U, p < 0.05) and `~` otherwise; then each claim of the classic model checked against the
 * groups where it can be measured: confirmed, contradicted, `~` (no significant difference) or
 * not measurable here, with the figures behind it.
 *
 * <p>CPU comparisons use the sending plus the receiving thread's exact CPU clocks per sample
 * (on this kernel without IRQ time accounting, softirq work is charged to the thread it
 * interrupts, so the loopback and veth receive paths are in them); whole-machine CPU from
 * /proc/stat, the table's headline figure, counts in 10 ms ticks and is too coarse per sample
 * for a test.
 */
final class Verdict {
    /** How a claim fared in one group. */
    enum Outcome { CONFIRMED, CONTRADICTED, NO_DIFFERENCE }

    /** One group's evidence about a claim: outcome and the figures, e.g. "tcp over loopback 1 MiB: 420 vs 880 ms/GiB". */
    record Evidence(Outcome outcome, String where, String figures) {
    }

    /** A claim of the classic model and its evidence from every group where it could be measured. */
    record Claim(String statement, List<Evidence> evidence) {
        String status() {
            long yes = count(Outcome.CONFIRMED);
            long no = count(Outcome.CONTRADICTED);
            long same = count(Outcome.NO_DIFFERENCE);
            if (evidence.isEmpty()) {
                return "not measurable here";
            }
            if (no == 0 && same == 0) {
                return "confirmed";
            }
            if (yes == 0 && same == 0) {
                return "contradicted";
            }
            if (yes == 0 && no == 0) {
                return "~";
            }
            return String.format(Locale.ROOT, "mixed: confirmed %d, contradicted %d, ~ %d of %d", yes, no, same, evidence.size());
        }

        private long count(Outcome o) {
            return evidence.stream().filter(e -> e.outcome() == o).count();
        }
    }

    private final List<Comparison.Row> rows;
    /** Rows by group (target label and size), in report order. */
    private final Map<String, List<Comparison.Row>> groups = new LinkedHashMap<>();

    Verdict(List<Comparison.Row> rows) {
        this.rows = rows;
        for (Comparison.Row r : rows) {
            if (r.target.copies()) {
                groups.computeIfAbsent(group(r), k -> new ArrayList<>()).add(r);
            }
        }
    }

    static String group(Comparison.Row r) {
        return r.target.label() + " " + Sizes.format(r.size);
    }

    private static boolean usable(Comparison.Row r) {
        return !r.failed() && !r.samples.isEmpty();
    }

    /** "fastest sendfile 1.52 GB/s (next: splice 1.31, p=0.002)" or "fastest ~ (sendfile 1.52, splice 1.49: p=0.41)". */
    static String best(List<Comparison.Row> group, String what, Function<Comparison.Row, double[]> samples, boolean higherIsBetter,
                       String unit) {
        List<Comparison.Row> ok = new ArrayList<>(group.stream().filter(Verdict::usable).toList());
        if (ok.isEmpty()) {
            return what + " -";
        }
        Comparator<Comparison.Row> byMedian = Comparator.comparingDouble(r -> Statistics.median(samples.apply(r)));
        ok.sort(higherIsBetter ? byMedian.reversed() : byMedian);
        Comparison.Row first = ok.get(0);
        String a = first.contender.id() + " " + Report.num(Statistics.median(samples.apply(first))) + unit;
        if (ok.size() == 1) {
            return what + " " + a;
        }
        Comparison.Row second = ok.get(1);
        double p = Statistics.mannWhitneyP(samples.apply(first), samples.apply(second));
        String b = second.contender.id() + " " + Report.num(Statistics.median(samples.apply(second)));
        if (Statistics.differ(samples.apply(first), samples.apply(second))) {
            return what + " " + a + " (next " + b + ", p=" + p(p) + ")";
        }
        return what + " ~ (" + a + ", " + b + ": p=" + p(p) + ")";
    }

    static String p(double p) {
        return p < 0.001 ? "<0.001" : String.format(Locale.ROOT, "%.3f", p);
    }

    /** One line per group: fastest and least CPU. */
    List<String> perGroup() {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, List<Comparison.Row>> e : groups.entrySet()) {
            out.add(e.getKey() + ": " + best(e.getValue(), "fastest", Comparison.Row::gbpsSamples, true, " GB/s") + "; "
                    + best(e.getValue(), "least CPU", Comparison.Row::threadsCpuSamples, false, " ms/GiB"));
        }
        return out;
    }

    /** The classic model's claims, checked. */
    List<Claim> claims() {
        List<Claim> out = new ArrayList<>();
        out.add(lowerCpu("sendfile", "read-write",
                "sendfile costs less CPU than read+write (classic model: 0 vs 2 CPU copies per byte)"));
        out.add(syscallsPerChunk());
        out.add(sgOffCostsACopy());
        out.add(mmapBySize());
        return out;
    }

    private Comparison.Row find(List<Comparison.Row> group, String id) {
        return group.stream().filter(r -> r.contender.id().equals(id) && usable(r)).findFirst().orElse(null);
    }

    /** a's CPU below b's in every group that has both. */
    private Claim lowerCpu(String a, String b, String statement) {
        List<Evidence> ev = new ArrayList<>();
        for (Map.Entry<String, List<Comparison.Row>> e : groups.entrySet()) {
            Comparison.Row ra = find(e.getValue(), a);
            Comparison.Row rb = find(e.getValue(), b);
            if (ra != null && rb != null) {
                ev.add(compare(e.getKey(), ra.threadsCpuSamples(), rb.threadsCpuSamples(), false,
                        Report.num(ra.threadsMsPerGiB()) + " vs " + Report.num(rb.threadsMsPerGiB()) + " ms/GiB"));
            }
        }
        return new Claim(statement, ev);
    }

    /** Confirmed when x is significantly better than y (lower when !higherIsBetter), contradicted when worse. */
    static Evidence compare(String where, double[] x, double[] y, boolean higherIsBetter, String figures) {
        double p = Statistics.mannWhitneyP(x, y);
        String f = figures + ", p=" + p(p);
        if (!Statistics.differ(x, y)) {
            return new Evidence(Outcome.NO_DIFFERENCE, where, f);
        }
        boolean xHigher = Statistics.median(x) > Statistics.median(y);
        return new Evidence(xHigher == higherIsBetter ? Outcome.CONFIRMED : Outcome.CONTRADICTED, where, f);
    }

    /** read+write makes 2 syscalls per chunk, sendfile 1: the shim counts them exactly. */
    private Claim syscallsPerChunk() {
        List<Evidence> ev = new ArrayList<>();
        for (Map.Entry<String, List<Comparison.Row>> e : groups.entrySet()) {
            Comparison.Row rw = find(e.getValue(), "read-write");
            Comparison.Row sf = find(e.getValue(), "sendfile");
            if (rw == null || sf == null || rw.size > Contenders.NIO_BUFFER) {
                continue; // above the 256 KiB copy buffer read+write makes more calls per transfer, by design
            }
            double ratio = rw.syscallsPerMiB() / sf.syscallsPerMiB();
            Outcome o = Math.abs(ratio - 2) <= 0.1 ? Outcome.CONFIRMED : Outcome.CONTRADICTED;
            ev.add(new Evidence(o, e.getKey(), Report.num(rw.syscallsPerMiB()) + " vs " + Report.num(sf.syscallsPerMiB())
                    + " syscalls/MiB"));
        }
        return new Claim("read+write makes 2 syscalls per chunk, sendfile 1 (counted in the shim)", ev);
    }

    /** sendfile over veth without SG costs more CPU (one copy at GSO segmentation) than with SG. */
    private Claim sgOffCostsACopy() {
        List<Evidence> ev = new ArrayList<>();
        for (Map.Entry<String, List<Comparison.Row>> e : groups.entrySet()) {
            Comparison.Row off = find(e.getValue(), "sendfile");
            if (off == null || !"veth-nosg".equals(off.target.link())) {
                continue;
            }
            Comparison.Row on = rows.stream().filter(r -> usable(r) && r.size == off.size && r.contender.id().equals("sendfile")
                    && "veth-sg".equals(r.target.link())).findFirst().orElse(null);
            if (on != null) {
                ev.add(compare("sendfile " + Sizes.format(off.size), on.threadsCpuSamples(), off.threadsCpuSamples(), false,
                        "SG on " + Report.num(on.threadsMsPerGiB()) + " vs off " + Report.num(off.threadsMsPerGiB())
                                + " ms/GiB, " + Report.num(on.gbpsMedian()) + " vs " + Report.num(off.gbpsMedian()) + " GB/s"));
            }
        }
        return new Claim("sendfile without scatter-gather costs a CPU copy (the 2.1-style path; on 6.x made in GSO "
                + "segmentation, skb_segment): more CPU with veth-nosg than with veth-sg", ev);
    }

    /** mmap (mapped once) faster than sendfile at the smallest size, sendfile faster at the largest. */
    private Claim mmapBySize() {
        List<Evidence> ev = new ArrayList<>();
        long smallest = rows.stream().mapToLong(r -> r.size).min().orElse(0);
        long largest = rows.stream().mapToLong(r -> r.size).max().orElse(0);
        for (Map.Entry<String, List<Comparison.Row>> e : groups.entrySet()) {
            Comparison.Row mm = find(e.getValue(), Contenders.MAPPED_ONCE);
            Comparison.Row sf = find(e.getValue(), "sendfile");
            if (mm == null || sf == null || smallest == largest || (mm.size != smallest && mm.size != largest)) {
                continue;
            }
            boolean small = mm.size == smallest;
            String figures = Contenders.MAPPED_ONCE + " " + Report.num(mm.gbpsMedian()) + " vs sendfile " + Report.num(sf.gbpsMedian())
                    + " GB/s";
            ev.add(small ? compare(e.getKey(), mm.gbpsSamples(), sf.gbpsSamples(), true, figures)
                    : compare(e.getKey(), sf.gbpsSamples(), mm.gbpsSamples(), true, figures));
        }
        return new Claim("mmap suits small transfers, sendfile large ones: " + Contenders.MAPPED_ONCE
                + " faster than sendfile at the smallest size, slower at the largest", ev);
    }
}
