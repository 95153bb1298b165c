package dev.zerocopy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.zerocopy.lab.VethLab;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The default run's links (loopback, veth-sg, veth-nosg as root; loopback and one skip line
 * elsewhere), scatter-gather read back during the veth rows, and --cpus pinning both ends.
 */
class CompareRunTest {
    @TempDir
    Path tmp;

    private static CliRun run(String... args) {
        return CliRun.run(args);
    }

    /** A short tcp-only run with the default --links; extra: option, value pairs that replace or add. */
    private List<String> shortTcpRun(String... extra) throws IOException {
        Path work = Files.createDirectories(tmp.resolve("work"));
        Map<String, String> o = new java.util.LinkedHashMap<>();
        List<String> defaults = List.of("--targets", "tcp", "--methods", "sendfile,read-write", "--sizes", "64KiB",
                "--batch", "1MiB", "--repeats", "2", "--max-repeats", "2", "--warmup", "0", "--dir", work.toString(),
                "--out", tmp.resolve("out").toString(), "--progress", "never");
        for (int i = 0; i < defaults.size(); i += 2) {
            o.put(defaults.get(i), defaults.get(i + 1));
        }
        for (int i = 0; i < extra.length; i += 2) {
            o.put(extra[i], extra[i + 1]);
        }
        List<String> a = new ArrayList<>(List.of("compare"));
        o.forEach((k, v) -> {
            a.add(k);
            a.add(v);
        });
        return a;
    }

    @Test
    void theDefaultRunAsRootCoversLoopbackVethSgAndVethNosgAndRemovesItsNamespaces() throws Exception {
        String missing = VethLab.missingRequirements();
        Assumptions.assumeTrue(missing == null, missing);
        CliRun r = run(shortTcpRun().toArray(new String[0]));
        assertEquals(0, r.exitCode(), () -> r.out() + r.err());
        for (String heading : List.of("== target tcp over loopback", "== target tcp over veth-sg", "== target tcp over veth-nosg")) {
            assertTrue(r.out().contains(heading), () -> heading + " missing:\n" + r.out());
        }
        assertFalse(r.out().contains("skipped:"), r.out());
        assertTrue(r.out().contains("sendfile without scatter-gather costs a CPU copy"), r.out());
        assertTrue(r.out().contains("commit 0a6b2a1dc2a2"), "the true explanation of SG off is printed:\n" + r.out());

        JsonNode json = new ObjectMapper().readTree(tmp.resolve("out").resolve("compare.json").toFile());
        Set<String> links = new HashSet<>();
        for (JsonNode row : json.get("results")) {
            String link = row.get("link").asText();
            links.add(link);
            assertTrue(row.get("verified").asBoolean(), row.toString());
            for (JsonNode s : row.get("samples")) {
                assertTrue(s.get("tcp").get("segments").asLong() > 0, "tcp_info per sample: " + s);
                if (link.startsWith("veth")) {
                    // Read back from the sending device with SIOCETHTOOL after each sample of the row.
                    String expected = link.equals("veth-sg") ? "scatter-gather: on" : "scatter-gather: off";
                    assertTrue(s.get("sender_offloads").asText().startsWith(expected), link + ": " + s);
                } else {
                    assertFalse(s.has("sender_offloads"), "loopback has no device to read: " + s);
                }
            }
        }
        assertEquals(Set.of("loopback", "veth-sg", "veth-nosg"), links);
        String prefix = "zclab-" + Long.toString(ProcessHandle.current().pid(), 36) + "-";
        Process ip = new ProcessBuilder("ip", "netns", "list").redirectErrorStream(true).start();
        String list = new String(ip.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, ip.waitFor());
        assertFalse(list.contains(prefix), "namespaces left after the run:\n" + list);
    }

    /**
     * Where the veth lab cannot run, the default run says in one line what it skipped and the
     * command that adds it. As root the run is made as user nobody (setpriv), with a copy of the
     * class path nobody can read.
     */
    @Test
    void withoutRootTheDefaultRunPrintsOneSkipLineWithTheCommand() throws Exception {
        String out;
        if (VethLab.missingRequirements() != null) {
            CliRun r = run(shortTcpRun().toArray(new String[0]));
            assertEquals(0, r.exitCode(), () -> r.out() + r.err());
            out = r.out();
        } else {
            Assumptions.assumeTrue(Files.isExecutable(Paths.get("/usr/bin/setpriv")), "setpriv (util-linux) is needed to drop root");
            out = runAsNobody();
        }
        List<String> skipLines = out.lines().filter(l -> l.startsWith("skipped:")).toList();
        assertEquals(1, skipLines.size(), out);
        assertTrue(skipLines.get(0).contains("tcp over veth-sg and veth-nosg"), skipLines.get(0));
        assertTrue(skipLines.get(0).contains("root"), skipLines.get(0));
        assertTrue(skipLines.get(0).endsWith("to add them: " + CompareCommand.VETH_COMMAND), skipLines.get(0));
        assertTrue(out.contains("== target tcp over loopback"), out);
        assertFalse(out.contains("== target tcp over veth"), out);
    }

    private String runAsNobody() throws Exception {
        Path shared = Files.createDirectories(tmp.resolve("shared"));
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        List<String> cp = new ArrayList<>();
        int i = 0;
        for (String entry : System.getProperty("java.class.path").split(":")) {
            Path p = Paths.get(entry);
            if (Files.isRegularFile(p)) {
                Path copy = shared.resolve(i++ + "-" + p.getFileName());
                Files.copy(p, copy);
                Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-r--r--"));
                cp.add(copy.toString());
            } else if (Files.isDirectory(p)) {
                cp.add(entry); // build output: world-readable
            }
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                java, "-Djava.io.tmpdir=" + shared, "-cp", String.join(":", cp), "dev.zerocopy.cli.Main"));
        List<String> args = shortTcpRun("--dir", shared.toString(), "--out", shared.resolve("out").toString());
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    /**
     * --cpus 1,0 (the reverse of the default, so the option, not chance, decides): while the run
     * goes, every thread named compare-sender has Cpus_allowed_list 1 and every receiver 0, read
     * from /proc/self/task/TID/status.
     */
    @Test
    void cpusPinsTheSenderAndEveryReceiver() throws Exception {
        List<Integer> allowed = CompareCommand.allowedCpus();
        Assumptions.assumeTrue(allowed.contains(0) && allowed.contains(1), "needs CPUs 0 and 1");
        Map<String, Set<String>> seen = new ConcurrentHashMap<>();
        Set<Path> before; // threads of earlier runs in this JVM (receivers end asynchronously) are not this run's
        try (Stream<Path> tasks = Files.list(Paths.get("/proc/self/task"))) {
            before = new HashSet<>(tasks.toList());
        }
        Thread watcher = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try (Stream<Path> tasks = Files.list(Paths.get("/proc/self/task"))) {
                    for (Path t : tasks.toList()) {
                        if (before.contains(t)) {
                            continue;
                        }
                        try {
                            String comm = Files.readString(t.resolve("comm")).trim();
                            if (comm.equals("compare-sender") || comm.startsWith("receiver-tcp")) {
                                for (String line : Files.readAllLines(t.resolve("status"))) {
                                    if (line.startsWith("Cpus_allowed_list:")) {
                                        seen.computeIfAbsent(comm, k -> ConcurrentHashMap.newKeySet())
                                                .add(line.substring(line.indexOf(':') + 1).trim());
                                    }
                                }
                            }
                        } catch (IOException gone) {
                            // the thread ended between list and read
                        }
                    }
                    Thread.sleep(2);
                } catch (IOException e) {
                    return;
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "cpus-watcher");
        watcher.start();
        CliRun r;
        try {
            r = run(shortTcpRun("--links", "loopback", "--cpus", "1,0", "--sizes", "4KiB", "--repeats", "6", "--max-repeats", "6",
                    "--batch", "4MiB").toArray(new String[0]));
        } finally {
            watcher.interrupt();
            watcher.join();
        }
        assertEquals(0, r.exitCode(), () -> r.out() + r.err());
        assertTrue(r.out().contains("pinning: sender on CPU 1, receivers on CPU 0 (--cpus)"), r.out());
        assertEquals(Set.of("1"), seen.get("compare-sender"), seen.toString());
        assertEquals(Set.of("0"), seen.get("receiver-tcp"), seen.toString());
    }
}
