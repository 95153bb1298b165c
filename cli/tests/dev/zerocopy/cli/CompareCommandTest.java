package dev.zerocopy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.zerocopy.lab.VethLab;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code compare} end to end with tiny sizes: every contender on every target, the table on
 * stdout, and CSV, JSON and PNG files that parse, with every receiver's CRC32C check passed.
 */
class CompareCommandTest {
    @TempDir
    Path tmp;

    private static CliRun run(String... args) {
        return CliRun.run(args);
    }

    private String[] tiny(String... extra) throws Exception {
        return tinyWithSizes("4KiB,200000", extra);
    }

    private String[] tinyWithSizes(String sizes, String... extra) throws Exception {
        Path work = Files.createDirectories(tmp.resolve("work"));
        List<String> a = new ArrayList<>(List.of("compare", "--sizes", sizes, "--repeats", "2", "--max-repeats", "2", "--warmup", "1",
                "--batch", "256KiB", "--dir", work.toString(), "--out", tmp.resolve("out").toString(), "--progress", "never"));
        a.addAll(Arrays.asList(extra));
        return a.toArray(new String[0]);
    }

    @Test
    void runsEveryContenderOnEveryTargetAndWritesParsableFiles() throws Exception {
        CliRun r = run(tiny("--links", "loopback"));
        assertEquals(0, r.exitCode(), () -> r.out() + r.err());
        String table = r.out();
        for (String heading : List.of("== target tcp over loopback", "== target file", "== target pipe", "-- 4 KiB per transfer",
                "-- 195.3 KiB per transfer")) {
            assertTrue(table.contains(heading), () -> "missing '" + heading + "' in\n" + table);
        }
        assertFalse(table.contains("FAILED"), table);
        // 9 contenders everywhere (the two mmap rows, four NIO ones, read+write, sendfile, splice), plus
        // copy_file_range on the file, plus msg-zerocopy on tcp from 64 KiB; 2 sizes each.
        int rows = (9 + 10) + 10 * 2 + 9 * 2;
        assertEquals(rows, count(table, "CRC32C ok"), table);

        Path out = tmp.resolve("out");
        List<String> csv = Files.readAllLines(out.resolve("compare.csv"));
        List<String> header = Arrays.asList(csv.get(0).split(","));
        assertEquals(rows + 1, csv.size());
        int verified = header.indexOf("verified");
        int gbps = header.indexOf("gbps_median");
        int syscalls = header.indexOf("syscalls_per_mib");
        int method = header.indexOf("method");
        int size = header.indexOf("size_bytes");
        int rw = header.indexOf("kernel_rw_calls_per_mib");
        boolean kernelIo = Files.isReadable(Path.of("/proc/thread-self/io"));
        for (String line : csv.subList(1, csv.size())) {
            String[] f = line.split(",", -1);
            assertEquals(header.size(), f.length, line);
            assertEquals("true", f[verified], line);
            assertTrue(Double.parseDouble(f[gbps]) > 0, line);
            // Exact counts from the shim: sendfile makes one call per 4 KiB transfer (256 per MiB) to a socket or file.
            if (f[method].equals("sendfile") && f[size].equals("4096") && !line.startsWith("pipe")) {
                assertEquals(256.0, Double.parseDouble(f[syscalls]), 1e-9, line);
            }
            if (f[method].startsWith("nio-")) {
                assertEquals("", f[syscalls], "NIO syscalls are not counted by the shim, so not reported: " + line);
            }
            // The kernel's read/write-family counters (where it keeps them) see every contender:
            // a 4 KiB NIO buffer copy is one pread and one write, a 4 KiB sendfile counts in both.
            if (kernelIo && f[size].equals("4096") && !line.startsWith("pipe")
                    && List.of("nio-direct", "nio-heap", "read-write", "sendfile", "nio-transferto").contains(f[method])) {
                double perMiB = Double.parseDouble(f[rw]);
                if (f[method].equals("nio-transferto") && line.startsWith("file") && perMiB == 256.0) {
                    // The JDK's FileChannelImpl stops using sendfile for file targets JVM-wide
                    // (fileSupported = false) after one EINVAL, e.g. from an O_APPEND target in an
                    // earlier test of this JVM; it then maps and writes: one write per 4 KiB.
                    continue;
                }
                // At least the path's own calls, never fewer. More are possible: a blocking write
                // to a full socket buffer takes a second write, and the counter sees every
                // read/write-family call of the thread (one extra call in a 256 KiB sample, 514
                // per MiB, was seen on file targets under load; its source was not identified).
                assertTrue(perMiB >= 512.0 && perMiB <= 512.0 * 1.25, line);
            }
        }

        JsonNode json = new ObjectMapper().readTree(out.resolve("compare.json").toFile());
        assertEquals(rows, json.get("results").size());
        assertTrue(json.get("machine").get("cores").asInt() > 0);
        for (JsonNode row : json.get("results")) {
            assertTrue(row.get("verified").asBoolean(), row.toString());
            assertEquals(2, row.get("samples").size(), row.toString());
            assertTrue(row.get("gbps_median").asDouble() > 0, row.toString());
            for (JsonNode s : row.get("samples")) {
                assertTrue(s.get("bytes").asLong() >= 256 * 1024 - 200000, row.toString());
                assertTrue(s.get("wall_ns").asLong() > 0, row.toString());
            }
        }

        BufferedImage png = ImageIO.read(out.resolve("compare.png").toFile());
        assertNotNull(png, "compare.png must be a PNG image");
        assertTrue(png.getWidth() > 100 && png.getHeight() > 100);

        try (Stream<Path> left = Files.list(tmp.resolve("work"))) {
            assertEquals(0, left.count(), "the temporary source and target files must be removed");
        }
    }

    @Test
    void aContenderTheTargetCannotServeShowsItsErrorAndTheRunGoesOn() throws Exception {
        // copy_file_range(2) needs regular files: to a socket the kernel answers EINVAL.
        CliRun r = run(tiny("--methods", "copy-file-range,sendfile", "--targets", "tcp", "--links", "loopback"));
        assertEquals(0, r.exitCode(), () -> r.out() + r.err());
        assertTrue(r.out().matches("(?s).*native copy_file_range .*FAILED: .*EINVAL.*"), r.out());
        assertEquals(2, count(r.out(), "CRC32C ok"), "sendfile still ran at both sizes:\n" + r.out());
        List<String> csv = Files.readAllLines(tmp.resolve("out").resolve("compare.csv"));
        assertTrue(csv.stream().anyMatch(l -> l.contains("copy-file-range") && l.contains("EINVAL")), csv.toString());
    }

    /** A veth link named for a run without the tcp target is not set up, and the run says so. */
    @Test
    void aLinkWithoutTheTcpTargetIsNotedAndNotCreated() throws Exception {
        CliRun r = run(tinyWithSizes("4KiB", "--targets", "pipe", "--methods", "sendfile", "--link", "veth-sg"));
        assertEquals(0, r.exitCode(), () -> r.out() + r.err());
        assertTrue(r.err().contains("--links veth-sg applies to the tcp target only, which this run does not include"), r.err());
        assertFalse(r.out().contains("netns zclab"), "no link may be set up:\n" + r.out());
        assertFalse(r.out().contains("over veth"), "no link may be set up:\n" + r.out());
        assertEquals(1, count(r.out(), "CRC32C ok"), r.out());
    }

    @Test
    void devNullIsLabelledAsCopyingNothing() throws Exception {
        CliRun r = run(tinyWithSizes("4KiB", "--targets", "devnull", "--methods", "sendfile,nio-transferto"));
        assertEquals(0, r.exitCode(), () -> r.out() + r.err());
        assertTrue(r.out().contains("NOTHING IS COPIED"), r.out());
        assertEquals(2, count(r.out(), "none: nothing is copied"), r.out());
        assertFalse(r.out().contains("CRC32C ok"), r.out());
    }

    @Test
    void badOptionsGiveUsageAndExitCode2() throws Exception {
        for (String[] bad : List.of(
                tiny("--methods", "teleport"),
                tiny("--targets", "carrier-pigeon"),
                tiny("--sizes", "lots"),
                tiny("--repeats", "0"),
                tiny("--link", "nowhere"),
                new String[] {"compare", "--no-such-option"},
                new String[] {})) {
            CliRun r = run(bad);
            assertEquals(2, r.exitCode(), () -> String.join(" ", bad) + "\n" + r.out() + r.err());
            assertTrue(r.err().contains("Usage:"), () -> "usage expected for " + String.join(" ", bad) + ":\n" + r.err());
        }
        try (Stream<Path> left = Files.list(tmp.resolve("work"))) {
            assertEquals(0, left.count(), "a rejected run must not create files");
        }
    }

    @Test
    void anUnknownLinkIsAUsageError() throws Exception {
        CliRun r = run(tiny("--link", "carrier-pigeon", "--targets", "tcp"));
        assertEquals(2, r.exitCode(), () -> r.out() + r.err());
        assertTrue(r.err().contains("unknown --links 'carrier-pigeon'; choose from [loopback, veth-sg, veth-nosg] or auto"), r.err());
        assertTrue(r.err().contains("Usage:"), r.err());
        try (Stream<Path> left = Files.list(tmp.resolve("work"))) {
            assertEquals(0, left.count(), "a rejected run must not create files");
        }
    }

    /**
     * MSG_ZEROCOPY over loopback: the bytes arrive, and its row reports the kernel's completions,
     * all "copied" (local delivery copies, msg_zerocopy.rst), in the table, the CSV and the JSON.
     */
    @Test
    void msgZeroCopyRowShowsCompletionsOnLoopback() throws Exception {
        CliRun r = run(tiny("--methods", "msg-zerocopy,sendfile", "--targets", "tcp", "--links", "loopback"));
        assertEquals(0, r.exitCode(), () -> r.out() + r.err());
        assertEquals(4, count(r.out(), "CRC32C ok"), r.out());
        assertTrue(r.out().matches("(?s).*native mmap \\+ send\\(MSG_ZEROCOPY\\) .*CRC32C ok; MSG_ZEROCOPY 0 zero-copied / \\d+ copied\n.*"),
                r.out());
        assertTrue(r.out().contains("On loopback and veth expect 'copied'"), r.out());
        List<String> csv = Files.readAllLines(tmp.resolve("out").resolve("compare.csv"));
        List<String> header = Arrays.asList(csv.get(0).split(","));
        int method = header.indexOf("method");
        int perSample = header.indexOf("transfers_per_sample");
        int sends = header.indexOf("zerocopy_sends");
        int zeroCopied = header.indexOf("zerocopy_zero_copied");
        int copied = header.indexOf("zerocopy_copied");
        int plain = header.indexOf("zerocopy_plain");
        int zcRows = 0;
        for (String line : csv.subList(1, csv.size())) {
            String[] f = line.split(",", -1);
            if (f[method].equals("msg-zerocopy")) {
                zcRows++;
                // At least one send per transfer of the 2 measured samples; each one completed, copied.
                assertTrue(Long.parseLong(f[sends]) >= 2L * Long.parseLong(f[perSample]), line);
                assertEquals(f[sends], f[copied], line);
                assertEquals("0", f[zeroCopied], line);
                assertEquals("0", f[plain], line);
            } else {
                assertEquals("", f[sends], "no completions for other paths: " + line);
            }
        }
        assertEquals(2, zcRows);
        int link = header.indexOf("link");
        assertTrue(link > 0);
        assertTrue(csv.subList(1, csv.size()).stream().allMatch(l -> l.split(",", -1)[link].equals("loopback")), csv.toString());
        JsonNode json = new ObjectMapper().readTree(tmp.resolve("out").resolve("compare.json").toFile());
        for (JsonNode row : json.get("results")) {
            if (row.get("method").asText().equals("msg-zerocopy")) {
                long sum = 0;
                for (JsonNode s : row.get("samples")) {
                    sum += s.get("msg_zerocopy").get("copied").asLong();
                }
                assertEquals(row.get("msg_zerocopy").get("copied").asLong(), sum, row.toString());
            }
        }
    }

    /**
     * The whole tcp comparison over a veth pair between two namespaces with SG off: every receiver
     * gets its bytes, and the namespaces are gone afterwards. Needs root and ip (CI has
     * them); skipped with the reason elsewhere.
     */
    @Test
    void linkVethNoSgRunsTheTcpTargetAndRemovesItsNamespaces() throws Exception {
        String missing = VethLab.missingRequirements();
        Assumptions.assumeTrue(missing == null, missing);
        CliRun r = run(tiny("--link", "veth-nosg", "--targets", "tcp"));
        assertEquals(0, r.exitCode(), () -> r.out() + r.err());
        assertTrue(r.out().contains("scatter-gather: off"), r.out());
        assertFalse(r.out().contains("FAILED"), r.out());
        assertEquals(9 + 10, count(r.out(), "CRC32C ok"), "every contender at both sizes verified its bytes:\n" + r.out());
        List<String> csv = Files.readAllLines(tmp.resolve("out").resolve("compare.csv"));
        assertEquals(9 + 10 + 1, csv.size());
        int link = Arrays.asList(csv.get(0).split(",")).indexOf("link");
        assertTrue(csv.subList(1, csv.size()).stream().allMatch(l -> l.contains(",true,") && l.split(",", -1)[link].equals("veth-nosg")),
                csv.toString());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("netns (zclab-[^ )]+-s)").matcher(r.out());
        assertTrue(m.find(), r.out());
        String senderNs = m.group(1);
        // This JVM's labs only: other JVMs (parallel builds) may have labs of their own.
        String prefix = "zclab-" + Long.toString(ProcessHandle.current().pid(), 36) + "-";
        assertTrue(senderNs.startsWith(prefix), senderNs);
        Process ip = new ProcessBuilder("ip", "netns", "list").redirectErrorStream(true).start();
        String list = new String(ip.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, ip.waitFor());
        assertFalse(list.contains(prefix), "namespaces left after the run:\n" + list);
        assertFalse(VethLab.namespaceExists(senderNs), senderNs);
        assertFalse(VethLab.namespaceExists(senderNs.replaceAll("-s$", "-r")), senderNs);
    }

    /**
     * The other side of the veth case: where the lab cannot run (not root, no ip), one
     * line naming what is missing and exit code 4, before any file is made. Skipped where it can run.
     */
    @Test
    void linkVethWithoutItsRequirementsSaysWhatIsMissingAndExits4() throws Exception {
        String missing = VethLab.missingRequirements();
        Assumptions.assumeTrue(missing != null, "the veth lab can run here (root and ip present)");
        CliRun r = run(tiny("--link", "veth-sg", "--targets", "tcp"));
        assertEquals(4, r.exitCode(), () -> r.out() + r.err());
        assertTrue(r.err().contains("compare: --links veth-sg cannot run here: " + missing), r.err());
        try (Stream<Path> left = Files.list(tmp.resolve("work"))) {
            assertEquals(0, left.count(), "a run that cannot start must not create files");
        }
    }

    @Test
    void sizesParseBinaryUnits() {
        assertEquals(4096, Sizes.parse("4KiB"));
        assertEquals(4096, Sizes.parse("4k"));
        assertEquals(1 << 20, Sizes.parse("1MiB"));
        assertEquals(256L << 20, Sizes.parse("256M"));
        assertEquals(1L << 30, Sizes.parse("1GiB"));
        assertEquals(65536, Sizes.parse("65536"));
        assertThrows(IllegalArgumentException.class, () -> Sizes.parse("-1"));
        assertThrows(IllegalArgumentException.class, () -> Sizes.parse("1.5MiB"));
        assertEquals("4 KiB", Sizes.format(4096));
        assertEquals("256 MiB", Sizes.format(256L << 20));
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    /** The help prints every option's text: no "%" read as a format specifier (picocli's "Could not format" warning). */
    @Test
    void helpPrintsEveryDescriptionWithoutAFormatWarning() {
        CliRun r = run("compare", "--help");
        assertEquals(0, r.exitCode(), r.err());
        assertFalse((r.out() + r.err()).contains("WARN"), r.out() + r.err());
        assertTrue(r.out().contains("95% interval"), r.out());
    }

    /** A CPU this process may not use is a usage error (exit 2) naming the CPU, not a stack trace. */
    @Test
    void cpusOutsideTheAllowedSetIsAUsageError() {
        int cpu = CompareCommand.allowedCpus().stream().mapToInt(Integer::intValue).max().orElse(0) + 1;
        CliRun r = run("compare", "--cpus", cpu + ",0", "--targets", "devnull", "--sizes", "4KiB");
        assertEquals(2, r.exitCode(), r.out() + r.err());
        assertTrue(r.err().contains("CPU " + cpu + " is not one this process may use"), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
    }
}
