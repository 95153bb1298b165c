package dev.zerocopy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import dev.zerocopy.ThreadUsage;
import dev.zerocopy.lab.SocketLink;
import dev.zerocopy.lab.SocketPair;
import org.junit.jupiter.api.Test;

/** The summary's logic on recorded samples: known rows in, known verdicts out. */
class VerdictTest {
    private static final long MIB16 = 16L << 20;

    /** A link that only names itself: the verdict reads the name, never connects. */
    private record NamedLink(String name) implements SocketLink {
        @Override
        public SocketPair connect() throws IOException {
            throw new IOException("not connected in this test");
        }

        @Override
        public void close() {
        }
    }

    private static Target tcp(String link) {
        return new Targets.Tcp(new NamedLink(link));
    }

    /** A row whose samples have these GB/s and these sender+receiver CPU ms per GiB. */
    private static Comparison.Row row(Target target, long size, String method, double[] gbps, double[] cpuMsPerGiB) {
        Contender c = Contenders.byIds(List.of(method)).get(0);
        Comparison.Row r = new Comparison.Row(target, size, c, (int) (MIB16 / size));
        for (int i = 0; i < gbps.length; i++) {
            long wall = (long) (MIB16 / gbps[i]);
            long cpuNs = (long) (cpuMsPerGiB[i] * 1e6 * MIB16 / (1L << 30));
            ThreadUsage u = new ThreadUsage(wall, 0, 0, 0, 0, 0, 0, 0, cpuNs / 2);
            r.samples.add(new Comparison.Sample(MIB16, wall, u, -1, null, cpuNs - cpuNs / 2, new MachineCpu.Ticks(3, 1), null, null));
        }
        return r;
    }

    private static double[] around(double m, double... wiggle) {
        double[] v = new double[wiggle.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = m * (1 + wiggle[i]);
        }
        return v;
    }

    private static final double[] W = {0.00, 0.02, -0.02, 0.01, -0.01, 0.03, -0.03};

    @Test
    void theFastestIsNamedOnlyWhenSignificantlyAhead() {
        Target t = tcp("loopback");
        List<Comparison.Row> rows = List.of(
                row(t, 1 << 20, "sendfile", around(1.5, W), around(400, W)),
                row(t, 1 << 20, "read-write", around(1.0, W), around(900, W)),
                row(t, 4096, "sendfile", around(0.70, W), around(1000, W)),
                // recorded: 4 KiB tcp over loopback after the flush fix, read+write against splice
                row(t, 4096, "read-write", new double[] {0.46, 0.49, 0.51, 0.52, 0.53, 0.58, 0.58, 0.58, 0.59},
                        around(1000, 0, 0.01, -0.01, 0.02, -0.02, 0.03, -0.03, 0.04, -0.04)),
                row(t, 4096, "splice", new double[] {0.27, 0.41, 0.47, 0.54, 0.55, 0.57, 0.58, 0.58, 0.59},
                        around(1010, 0, 0.01, -0.01, 0.02, -0.02, 0.03, -0.03, 0.04, -0.04)));
        List<String> lines = new Verdict(rows).perGroup();
        assertEquals(2, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith("tcp over loopback 1 MiB: fastest sendfile 1.50 GB/s (next read-write 1.00, p=<0.001)"),
                lines.get(0));
        assertTrue(lines.get(0).contains("least CPU sendfile 400 ms/GiB"), lines.get(0));
        assertTrue(lines.get(1).contains("fastest sendfile 0.70"), "0.70 vs at most 0.59: " + lines.get(1));
        assertTrue(lines.get(1).contains("least CPU ~ ("), "1000 vs 1010 ms/GiB is no difference: " + lines.get(1));
    }

    @Test
    void claimsAreConfirmedContradictedOrNotMeasurable() {
        Target sg = tcp("veth-sg");
        Target nosg = tcp("veth-nosg");
        List<Comparison.Row> rows = new ArrayList<>(List.of(
                // recorded shape of the veth figures: sendfile 2.09 -> 0.93 GB/s, 369 -> 960 ms/GiB
                row(sg, 1 << 20, "sendfile", around(2.09, W), around(369, W)),
                row(nosg, 1 << 20, "sendfile", around(0.93, W), around(960, W)),
                row(sg, 1 << 20, "read-write", around(1.9, W), around(700, W)),
                row(nosg, 1 << 20, "read-write", around(0.85, W), around(1200, W))));
        Verdict v = new Verdict(rows);
        List<Verdict.Claim> claims = v.claims();
        Verdict.Claim cpu = claims.get(0);
        assertEquals("confirmed", cpu.status(), cpu.toString());
        assertEquals(2, cpu.evidence().size());
        Verdict.Claim sgClaim = claims.get(2);
        assertEquals("confirmed", sgClaim.status(), sgClaim.toString());
        assertTrue(sgClaim.evidence().get(0).figures().startsWith("SG on 369 vs off 960 ms/GiB, 2.09 vs 0.93 GB/s"),
                sgClaim.evidence().get(0).figures());
        assertEquals("not measurable here", claims.get(3).status(), "no mmap-once rows");

        // The same data with SG off cheaper contradicts the claim.
        List<Comparison.Row> reversed = List.of(row(sg, 1 << 20, "sendfile", around(2.0, W), around(960, W)),
                row(nosg, 1 << 20, "sendfile", around(1.0, W), around(369, W)));
        assertEquals("contradicted", new Verdict(reversed).claims().get(2).status());
        // Without veth rows it cannot be measured at all.
        Target lo = tcp("loopback");
        assertEquals("not measurable here",
                new Verdict(List.of(row(lo, 4096, "sendfile", around(1, W), around(1, W)))).claims().get(2).status());
    }

    @Test
    void mmapBySizeAndSyscallsPerChunk() {
        Target lo = tcp("loopback");
        List<Comparison.Row> rows = List.of(
                row(lo, 4096, "mmap-once", around(0.9, W), around(900, W)),
                row(lo, 4096, "sendfile", around(0.7, W), around(900, W)),
                row(lo, 16L << 20, "mmap-once", around(1.2, W), around(900, W)),
                row(lo, 16L << 20, "sendfile", around(1.2, W), around(600, W)));
        Verdict.Claim mmap = new Verdict(rows).claims().get(3);
        assertEquals(2, mmap.evidence().size());
        assertEquals(Verdict.Outcome.CONFIRMED, mmap.evidence().get(0).outcome(), mmap.toString());
        assertEquals(Verdict.Outcome.NO_DIFFERENCE, mmap.evidence().get(1).outcome(), "equal at 16 MiB: " + mmap);
        assertTrue(mmap.status().startsWith("mixed: confirmed 1, contradicted 0, ~ 1 of 2"), mmap.status());
    }

    @Test
    void fewerThanSixSamplesNameNothing() {
        Target lo = tcp("loopback");
        double[] five = {1, 1.01, 0.99, 1.02, 0.98};
        List<Comparison.Row> rows = List.of(row(lo, 4096, "sendfile", five, five),
                row(lo, 4096, "read-write", new double[] {2, 2.01, 1.99, 2.02, 1.98}, five));
        String line = new Verdict(rows).perGroup().get(0);
        assertTrue(line.contains("fastest ~ (read-write 2.00 GB/s"), line);
        assertEquals("n=5<6!", Report.flags(rows.get(0)));
    }
}
