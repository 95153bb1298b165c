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
import dev.zerocopy.lab.VethLab;
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
                + "4 a --links named cannot be set up here (veth without root or ip: the message names what is missing)."})
final class CompareCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-m", "--methods"}, split = ",", paramLabel = "METHOD",
            description = "Contenders, comma-separated (default: all that suit each target): "
                    + "read-write, mmap-write, mmap-once (mapped once, ranges written), sendfile, splice, copy-file-range, msg-zerocopy (tcp only), nio-heap, "
                    + "nio-direct, nio-mapped, nio-transferto. Named ones run on every target, and fail visibly where a target cannot serve them.")
    List<String> methods;

    @Option(names = {"-t", "--targets"}, split = ",", paramLabel = "TARGET",
            description = "Targets, comma-separated: tcp, file, pipe, devnull (default: ${DEFAULT-VALUE}). "
                    + "devnull copies nothing and is labelled so.")
    List<String> targets = new ArrayList<>(Targets.DEFAULT);

    @Option(names = {"-s", "--sizes"}, split = ",", paramLabel = "SIZE",
            description = "Bytes per transfer, comma-separated, e.g. 4KiB,64KiB,1MiB,256MiB (default: ${DEFAULT-VALUE}).")
    List<String> sizes = new ArrayList<>(List.of("4KiB", "1MiB", "16MiB"));

    @Option(names = {"-r", "--repeats"}, paramLabel = "N",
            description = "Measured samples per row at least (default: ${DEFAULT-VALUE}); below "
                    + Statistics.MIN_SAMPLES + " no 95%% interval or significance test is possible, and the report warns.")
    int repeats = Statistics.MIN_SAMPLES;

    @Option(names = "--max-repeats", paramLabel = "N",
            description = "Cap of measured samples per row: rows whose median's 95%% interval is wider than +-5%% get more "
                    + "samples, interleaved, up to this many; those still wider are marked '*' (default: ${DEFAULT-VALUE}).")
    int maxRepeats = 10;

    @Option(names = {"-w", "--warmup"}, paramLabel = "N", description = "Warm-up rounds, not reported (default: ${DEFAULT-VALUE}).")
    int warmup = 1;

    @Option(names = "--batch", paramLabel = "SIZE",
            description = "Bytes per sample at least: small transfers are repeated at consecutive offsets until "
                    + "a sample holds this much (default: ${DEFAULT-VALUE}).")
    String batch = "16MiB";

    @Option(names = {"--links", "--link"}, split = ",", paramLabel = "LINK",
            description = "What the tcp target runs over, comma-separated: loopback; veth-sg and veth-nosg, a veth pair "
                    + "between two network namespaces made for the run (and removed after it, also on Ctrl-C) with "
                    + "scatter-gather on or off on the sending device (set and read back with SIOCETHTOOL); needs root "
                    + "and ip. auto (the default): all three where they can run, else loopback and one line saying what "
                    + "was skipped and the command that adds it.")
    List<String> links = new ArrayList<>(List.of("auto"));

    @Option(names = "--cpus", paramLabel = "SENDER,RECEIVER",
            description = "Pin the sending thread and every receiving thread to these CPUs (sched_setaffinity; like "
                    + "netperf -T, iperf3 -A), or 'none'. auto (the default): 0,1 where the process may use both, so the "
                    + "two ends never share a CPU and never migrate; none on a single CPU.")
    String cpus = "auto";

    @Option(names = {"-v", "--verbose"}, description = "Every column (syscalls, faults, context switches, each side's CPU, "
            + "TCP counters) instead of the compact table.")
    boolean verbose;

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

    /** The --links names, checked: an unknown one is a usage error; "auto" stays as it is. */
    private List<String> linkNames() {
        List<String> names = new ArrayList<>();
        for (String l : links) {
            String name = l.toLowerCase(Locale.ROOT).trim();
            if (!name.equals("auto") && !Links.NAMES.contains(name)) {
                throw usage("unknown --links '" + l + "'; choose from " + Links.NAMES + " or auto");
            }
            if (!names.contains(name)) {
                names.add(name);
            }
        }
        if (names.isEmpty()) {
            throw usage("--links needs at least one link");
        }
        return names;
    }

    /** {sender, receiver} CPUs, or {-1, -1} for none. */
    private int[] cpuPair() {
        String c = cpus.toLowerCase(Locale.ROOT).trim();
        if (c.equals("none")) {
            return new int[] {-1, -1};
        }
        if (c.equals("auto")) {
            List<Integer> allowed = allowedCpus();
            return allowed.contains(0) && allowed.contains(1) ? new int[] {0, 1} : new int[] {-1, -1};
        }
        String[] f = c.split(",");
        try {
            if (f.length == 2) {
                int sender = Integer.parseInt(f[0].trim());
                int receiver = Integer.parseInt(f[1].trim());
                if (sender >= 0 && receiver >= 0) {
                    List<Integer> allowed = allowedCpus();
                    for (int cpu : new int[] {sender, receiver}) {
                        if (!allowed.isEmpty() && !allowed.contains(cpu)) {
                            throw usage("--cpus " + cpus + ": CPU " + cpu + " is not one this process may use (allowed: "
                                    + allowed + ")");
                        }
                    }
                    return new int[] {sender, receiver};
                }
            }
        } catch (NumberFormatException e) {
            // the usage error below
        }
        throw usage("--cpus takes SENDER,RECEIVER (two CPU numbers), none or auto, not '" + cpus + "'");
    }

    /** The CPUs this thread may run on (Cpus_allowed_list of /proc/thread-self/status). */
    static List<Integer> allowedCpus() {
        List<Integer> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/thread-self/status"))) {
                if (line.startsWith("Cpus_allowed_list:")) {
                    for (String part : line.substring(line.indexOf(':') + 1).trim().split(",")) {
                        String[] r = part.split("-");
                        int lo = Integer.parseInt(r[0].trim());
                        int hi = r.length > 1 ? Integer.parseInt(r[1].trim()) : lo;
                        for (int i = lo; i <= hi; i++) {
                            out.add(i);
                        }
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // unknown: no pinning by default
        }
        return out;
    }

    /** tcpLinks: null to validate the options only (the tcp targets are then not usable). */
    private Comparison.Settings settings(List<SocketLink> tcpLinks, Path workDir, int[] cpu) {
        if (repeats < 1) {
            throw usage("--repeats must be at least 1, not " + repeats);
        }
        if (maxRepeats < repeats) {
            throw usage("--max-repeats must be at least --repeats (" + repeats + "), not " + maxRepeats);
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
            List<SocketLink> linksForTargets = tcpLinks != null ? tcpLinks : List.of(new dev.zerocopy.lab.LoopbackLink());
            List<Target> targetList = Targets.byNames(targets.stream().distinct().collect(Collectors.toList()), linksForTargets);
            if (targetList.isEmpty()) {
                throw usage("--targets needs at least one target");
            }
            return new Comparison.Settings(contenders, chosen, targetList, sizeList, repeats, maxRepeats, warmup,
                    Sizes.parse(batch), workDir, cpu[0], cpu[1]);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
    }

    /** The command that adds the veth rows where the lab could not run. */
    static final String VETH_COMMAND = "sudo java -jar target/native-zerocopy-cli.jar compare --links loopback,veth-sg,veth-nosg";

    @Override
    public Integer call() throws IOException {
        PrintStream stdout = System.out;
        List<String> names = linkNames();
        int[] cpu = cpuPair();
        Comparison.Settings probe = settings(null, null, cpu); // validate every option before touching the disk
        if (!NativeZeroCopy.isAvailable()) {
            System.err.println("compare: the native library is not available: " + NativeZeroCopy.unavailabilityCause());
            return 1;
        }
        boolean tcp = probe.targets().stream().anyMatch(t -> t.kind() == Target.Kind.SOCKET);
        List<String> notes = new ArrayList<>();
        List<String> chosen = new ArrayList<>();
        for (String n : names) {
            if (n.equals("auto")) {
                for (String l : Links.NAMES) {
                    if (!chosen.contains(l)) {
                        chosen.add(l);
                    }
                }
            } else if (!chosen.contains(n)) {
                chosen.add(n);
            }
        }
        if (names.contains("auto") && tcp) {
            String missing = VethLab.missingRequirements();
            if (missing != null) {
                chosen.removeIf(l -> l.startsWith("veth"));
                notes.add("skipped: tcp over veth-sg and veth-nosg (the 2.4 gather vs 2.1 copy contrast): " + missing
                        + "; to add them: " + VETH_COMMAND);
            }
        }
        if (!tcp && !chosen.equals(List.of("loopback")) && !names.equals(List.of("auto"))) {
            System.err.println("compare: note: --links " + String.join(",", chosen)
                    + " applies to the tcp target only, which this run does not include");
        }
        List<SocketLink> open = new ArrayList<>();
        try {
            if (tcp) {
                for (String l : chosen) {
                    try {
                        // A VethLab removes what it made on close, on a failure half way, and from its shutdown hook (Ctrl-C).
                        open.add(Links.open(l));
                    } catch (LabUnavailableException e) {
                        System.err.println("compare: --links " + l + " cannot run here: " + e.getMessage());
                        return 4;
                    } catch (IOException e) {
                        System.err.println("compare: could not set up --links " + l + ": " + e.getMessage());
                        return 1;
                    }
                }
            }
            return run(stdout, settings(open, null, cpu), notes);
        } finally {
            for (SocketLink l : open) {
                try {
                    l.close();
                } catch (IOException e) {
                    System.err.println("compare: " + e.getMessage());
                }
            }
        }
    }

    private int run(PrintStream stdout, Comparison.Settings probe, List<String> notes) throws IOException {
        Path base = dir != null ? dir : Paths.get(System.getProperty("java.io.tmpdir"));
        Path workDir = Files.createTempDirectory(base, "zc-compare-");
        Thread cleanup = new Thread(() -> deleteTree(workDir), "compare-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup); // also on Ctrl-C
        try {
            Comparison.Settings settings = new Comparison.Settings(probe.contenders(), probe.contendersChosen(),
                    probe.targets(), probe.sizes(), probe.minRepeats(), probe.maxRepeats(), probe.warmup(), probe.batchBytes(),
                    workDir, probe.senderCpu(), probe.receiverCpu());
            Comparison comparison = new Comparison(settings);
            String loadBefore = Report.loadAverage();
            long started = System.nanoTime();
            List<Comparison.Row> rows;
            try (Source source = Source.create(workDir.resolve("source.bin"), comparison.sourceSize(), 0x5EED)) {
                Progress bar = new Progress(System.err, comparison.totalSteps(), progress);
                try {
                    rows = onSenderThread(() -> comparison.run(source, bar));
                } finally {
                    bar.finish();
                }
            }
            notes = new ArrayList<>(notes);
            notes.add(String.format(Locale.ROOT, "measured in %.0f s", (System.nanoTime() - started) / 1e9));
            Report report = new Report(settings, rows, loadBefore, notes);
            report.print(stdout, verbose);
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

    /**
     * Runs the comparison on a thread of its own, which --cpus pins (with the receivers it starts),
     * so the caller's thread, and the threads it creates later, keep their CPUs.
     */
    private static List<Comparison.Row> onSenderThread(Callable<List<Comparison.Row>> task) throws IOException {
        java.util.concurrent.FutureTask<List<Comparison.Row>> f = new java.util.concurrent.FutureTask<>(task);
        Thread t = new Thread(f, "compare-starting");
        t.start();
        try {
            return f.get();
        } catch (InterruptedException e) {
            t.interrupt();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException(c);
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
