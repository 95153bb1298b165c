package dev.zerocopy.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

import dev.zerocopy.NativeZeroCopy;
import dev.zerocopy.lab.LabUnavailableException;
import dev.zerocopy.lab.Links;
import dev.zerocopy.lab.SocketLink;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code compare}: every path side by side on the same data, in one run. */
@Command(name = "compare", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Runs the library's paths and their JDK NIO counterparts on the same page-cached data, "
                + "interleaved, against a TCP connection whose receiver verifies every byte, a file and a pipe. "
                + "Prints a table; writes CSV, JSON and a PNG chart.",
            "Exit codes: 0 done (a contender that failed shows its error in its row), 1 the run could not start, "
                + "2 bad options, 3 some bytes arrived wrong (VERIFY FAILED rows), "
                + "4 the --link cannot be set up here (veth without root, ip or ethtool: the message names what is missing)."})
final class CompareCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-m", "--methods"}, split = ",", paramLabel = "METHOD",
            description = "Contenders, comma-separated (default: all that suit each target): "
                    + "read-write, mmap-write, sendfile, splice, copy-file-range, msg-zerocopy (tcp only), nio-heap, "
                    + "nio-direct, nio-mapped, nio-transferto. Named ones run on every target, and fail visibly where a target cannot serve them.")
    List<String> methods;

    @Option(names = {"-t", "--targets"}, split = ",", paramLabel = "TARGET",
            description = "Targets, comma-separated: tcp, file, pipe, devnull (default: ${DEFAULT-VALUE}). "
                    + "devnull copies nothing and is labelled so.")
    List<String> targets = new ArrayList<>(Targets.DEFAULT);

    @Option(names = {"-s", "--sizes"}, split = ",", paramLabel = "SIZE",
            description = "Bytes per transfer, comma-separated, e.g. 4KiB,64KiB,1MiB,256MiB (default: ${DEFAULT-VALUE}).")
    List<String> sizes = new ArrayList<>(List.of("4KiB", "1MiB", "256MiB"));

    @Option(names = {"-r", "--repeats"}, paramLabel = "N", description = "Measured rounds (default: ${DEFAULT-VALUE}).")
    int repeats = 5;

    @Option(names = {"-w", "--warmup"}, paramLabel = "N", description = "Warm-up rounds, not reported (default: ${DEFAULT-VALUE}).")
    int warmup = 2;

    @Option(names = "--batch", paramLabel = "SIZE",
            description = "Bytes per sample at least: small transfers are repeated at consecutive offsets until "
                    + "a sample holds this much (default: ${DEFAULT-VALUE}).")
    String batch = "16MiB";

    @Option(names = "--link", paramLabel = "LINK",
            description = "How the tcp target connects: loopback; veth-sg or veth-nosg, a veth pair between two network "
                    + "namespaces made for the run (and removed after it, also on Ctrl-C) with scatter-gather on or off "
                    + "on the sending device; needs root, ip and ethtool (default: ${DEFAULT-VALUE}).")
    String link = "loopback";

    @Option(names = "--dir", paramLabel = "DIR",
            description = "Where the temporary source and target files go; removed after the run (default: java.io.tmpdir).")
    Path dir;

    @Option(names = {"-o", "--out"}, paramLabel = "DIR", description = "Directory for the CSV, JSON and PNG files (default: ${DEFAULT-VALUE}).")
    Path out = Paths.get("compare-results");

    @Option(names = "--csv", paramLabel = "FILE", description = "CSV file (default: OUT/compare.csv).")
    Path csv;

    @Option(names = "--json", paramLabel = "FILE", description = "JSON file (default: OUT/compare.json).")
    Path json;

    @Option(names = "--chart", paramLabel = "FILE.png", description = "PNG chart (default: OUT/compare.png).")
    Path chart;

    @Option(names = "--progress", paramLabel = "MODE",
            description = "Progress bar on stderr: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Progress.Mode progress = Progress.Mode.AUTO;

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    /** The --link name, checked: an unknown one is a usage error. */
    private String linkName() {
        String name = link.toLowerCase(Locale.ROOT);
        if (!Links.NAMES.contains(name)) {
            throw usage("unknown --link '" + link + "'; choose from " + Links.NAMES);
        }
        return name;
    }

    /** tcpLink: null to validate the options only (the tcp target is then not usable). */
    private Comparison.Settings settings(SocketLink tcpLink, Path workDir) {
        if (repeats < 1) {
            throw usage("--repeats must be at least 1, not " + repeats);
        }
        if (warmup < 0) {
            throw usage("--warmup must not be negative, not " + warmup);
        }
        try {
            List<Long> sizeList = new ArrayList<>();
            for (String s : sizes) {
                long n = Sizes.parse(s);
                if (!sizeList.contains(n)) {
                    sizeList.add(n); // a size given twice is measured once
                }
            }
            if (sizeList.isEmpty()) {
                throw usage("--sizes needs at least one size");
            }
            boolean chosen = methods != null && !methods.isEmpty();
            List<Contender> contenders = chosen ? Contenders.byIds(methods.stream().distinct().collect(Collectors.toList())) : new ArrayList<>(Contenders.all().values());
            List<Target> targetList = Targets.byNames(targets.stream().distinct().collect(Collectors.toList()), tcpLink);
            if (targetList.isEmpty()) {
                throw usage("--targets needs at least one target");
            }
            return new Comparison.Settings(contenders, chosen, targetList, sizeList, repeats, warmup,
                    Sizes.parse(batch), workDir);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
    }

    @Override
    public Integer call() throws IOException {
        PrintStream stdout = System.out;
        String linkName = linkName();
        Comparison.Settings probe = settings(null, null); // validate every option before touching the disk
        if (!NativeZeroCopy.isAvailable()) {
            System.err.println("compare: the native library is not available: " + NativeZeroCopy.unavailabilityCause());
            return 1;
        }
        boolean tcp = probe.targets().stream().anyMatch(t -> t.kind() == Target.Kind.SOCKET);
        if (!tcp && !linkName.equals("loopback")) {
            System.err.println("compare: note: --link " + linkName + " applies to the tcp target only, which this run does not include");
        }
        SocketLink tcpLink;
        try {
            // Only the tcp target uses the link: no namespaces for a run without it. A VethLab
            // removes what it made on close, on a failure half way, and from its shutdown hook (Ctrl-C).
            tcpLink = tcp ? Links.open(linkName) : null;
        } catch (LabUnavailableException e) {
            System.err.println("compare: --link " + linkName + " cannot run here: " + e.getMessage());
            return 4;
        } catch (IOException e) {
            System.err.println("compare: could not set up --link " + linkName + ": " + e.getMessage());
            return 1;
        }
        try (SocketLink l = tcpLink) {
            return run(stdout, settings(tcpLink, null));
        }
    }

    private int run(PrintStream stdout, Comparison.Settings probe) throws IOException {
        Path base = dir != null ? dir : Paths.get(System.getProperty("java.io.tmpdir"));
        Path workDir = Files.createTempDirectory(base, "zc-compare-");
        Thread cleanup = new Thread(() -> deleteTree(workDir), "compare-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup); // also on Ctrl-C
        try {
            Comparison.Settings settings = new Comparison.Settings(probe.contenders(), probe.contendersChosen(),
                    probe.targets(), probe.sizes(), repeats, warmup, probe.batchBytes(), workDir);
            Comparison comparison = new Comparison(settings);
            String loadBefore = Report.loadAverage();
            List<Comparison.Row> rows;
            try (Source source = Source.create(workDir.resolve("source.bin"), comparison.sourceSize(), 0x5EED)) {
                Progress bar = new Progress(System.err, comparison.totalSteps(), progress);
                try {
                    rows = comparison.run(source, bar);
                } finally {
                    bar.finish();
                }
            }
            Report report = new Report(settings, rows, loadBefore);
            report.printTable(stdout);
            Files.createDirectories(out);
            Path csvFile = csv != null ? csv : out.resolve("compare.csv");
            Path jsonFile = json != null ? json : out.resolve("compare.json");
            Path chartFile = chart != null ? chart : out.resolve("compare.png");
            report.writeCsv(csvFile);
            report.writeJson(jsonFile);
            Chart.writePng(rows, settings.targets(), chartFile);
            stdout.println();
            stdout.println("wrote " + csvFile + ", " + jsonFile + ", " + chartFile);
            boolean badBytes = rows.stream().anyMatch(r -> !r.verified);
            if (badBytes) {
                stdout.println("VERIFICATION FAILED for at least one contender: see its row");
                return 3;
            }
            return 0;
        } finally {
            deleteTree(workDir);
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException e) {
                // already shutting down: the hook runs anyway
            }
        }
    }

    private static void deleteTree(Path root) {
        try {
            if (!Files.exists(root)) {
                return;
            }
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            System.err.println("compare: could not remove " + root + ": " + e.getMessage());
        }
    }
}
