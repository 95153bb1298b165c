package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.zerocopy.testkit.ChildJvm;
import dev.zerocopy.testkit.Sources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Syscalls per transferTo, counted by strace on the transferring thread only: the
 * library's own channel holds its descriptor without a syscall per call (no F_DUPFD + close), and
 * a full non-blocking socket costs one sendfile per call, as FileChannel.transferTo's, not a
 * second one that only meets EAGAIN, and no fstat for the size (FileChannel.transferTo makes one per
 * call; a single sendfile stops at the end of the file itself), nor for a transfer of at most one
 * chunk to a blocking socket or a device. A JDK SocketChannel is held by its
 * own write lock (in blocking mode also by the JDK's record of the writing thread), without a
 * syscall either, and so is a JDK FileChannel target, through its thread set. Counts, not times: this is not a benchmark.
 */
class ChannelsSyscallTest {
    private static final Pattern LINE = Pattern.compile("^(\\d+)\\s+(\\w+)\\(");

    @TempDir
    Path dir;

    @Test
    void syscallsPerCall() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/strace")), "needs strace (apt-get install strace)");
        Path file = Sources.random(dir, "src", 1 << 20, 1);
        Path trace = dir.resolve("trace");
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/strace", "-f", "-qq", "-o", trace.toString(),
                "-e", "trace=sendfile,fcntl,close,fstat,newfstatat,statx", "-e", "signal=none"));
        cmd.addAll(ChildJvm.javaArgs(List.of(), SyscallCountChild.class, file.toString()));
        ChildJvm.Result r = ChildJvm.run(cmd, Duration.ofSeconds(120));
        Map<String, String> report = r.report();
        assertEquals("true", report.get("done"), r.describe());
        Map<String, Map<String, Integer>> perTid = new HashMap<>();
        for (String line : Files.readAllLines(trace)) {
            Matcher m = LINE.matcher(line);
            if (m.find()) {
                perTid.computeIfAbsent(m.group(1), k -> new HashMap<>()).merge(m.group(2), 1, Integer::sum);
            }
        }
        int calls = SyscallCountChild.CALLS;
        Map<String, Integer> zcToZc = perTid.get(report.get("zcToZc.tid"));
        Map<String, Integer> zcToJdk = perTid.get(report.get("zcToJdk.tid"));
        Map<String, Integer> nioToJdk = perTid.get(report.get("nioToJdk.tid"));
        Map<String, Integer> zcFull = perTid.get(report.get("zcToFullSocket.tid"));
        Map<String, Integer> nioFull = perTid.get(report.get("nioToFullSocket.tid"));
        String all = "zcToZc " + zcToZc + ", zcToJdk " + zcToJdk + ", nioToJdk " + nioToJdk
                + ", zcToFullSocket " + zcFull + ", nioToFullSocket " + nioFull;
        System.out.println("syscalls per " + calls + " calls: " + all);
        // The library's own channels on both ends: one sendfile per call and nothing else (the size
        // is read only when a call finds the end of the file).
        assertEquals(calls, count(zcToZc, "sendfile"), all);
        assertEquals(0, count(zcToZc, "fcntl") + count(zcToZc, "close"), all);
        assertEquals(0, count(zcToZc, "newfstatat") + count(zcToZc, "fstat") + count(zcToZc, "statx"), all);
        // A JDK FileChannel target: held through its thread set, no duplicate (what the kernel says
        // of its fd was asked once, in the warm-up).
        assertEquals(calls, count(zcToJdk, "sendfile"), all);
        assertEquals(0, count(zcToJdk, "fcntl") + count(zcToJdk, "close"), all);
        assertEquals(0, count(zcToJdk, "newfstatat") + count(zcToJdk, "fstat") + count(zcToJdk, "statx"), all);
        assertEquals(calls, count(nioToJdk, "newfstatat") + count(nioToJdk, "fstat"), all);
        // A full non-blocking socket: one sendfile per call (EAGAIN), as the JDK's, and no fstat
        // (the JDK reads the size first; one sendfile stops at the end of the file by itself).
        assertEquals(calls, count(zcFull, "sendfile"), all);
        assertEquals(count(nioFull, "sendfile"), count(zcFull, "sendfile"), all);
        assertEquals(0, count(zcFull, "newfstatat") + count(zcFull, "fstat") + count(zcFull, "statx"), all);
        assertEquals(String.valueOf(0), report.get("zcToFullSocket.bytes"), all);
        // A non-blocking JDK socket is held by its write lock: no duplicate.
        assertEquals(0, count(zcFull, "fcntl") + count(zcFull, "close"), all);
        // A JDK FileChannel to a non-blocking socket: the file is held through its thread set, the
        // socket by its lock; one sendfile per call and nothing else.
        Map<String, Integer> jdkFull = perTid.get(report.get("jdkFileToFullSocket.tid"));
        String jdkFullText = "jdkFileToFullSocket " + jdkFull + ", nioToFullSocket " + nioFull;
        assertEquals(calls, count(jdkFull, "sendfile"), jdkFullText);
        assertEquals(0, count(jdkFull, "fcntl") + count(jdkFull, "close"), jdkFullText);
        assertEquals(0, count(jdkFull, "newfstatat") + count(jdkFull, "fstat") + count(jdkFull, "statx"), jdkFullText);
        // A blocking socket: one sendfile per call, no fstat (the JDK's makes one), no duplicate.
        Map<String, Integer> zcBlocking = perTid.get(report.get("zcToBlockingSocket.tid"));
        Map<String, Integer> nioBlocking = perTid.get(report.get("nioToBlockingSocket.tid"));
        String blockingText = "zcToBlockingSocket " + zcBlocking + ", nioToBlockingSocket " + nioBlocking;
        System.out.println(blockingText);
        assertEquals(calls, count(zcBlocking, "sendfile"), blockingText);
        assertEquals(0, count(zcBlocking, "fcntl") + count(zcBlocking, "close"), blockingText);
        assertEquals(0, count(zcBlocking, "newfstatat") + count(zcBlocking, "fstat") + count(zcBlocking, "statx"), blockingText);
        assertEquals(calls, count(nioBlocking, "newfstatat") + count(nioBlocking, "fstat"), blockingText);
        // Write readiness on a non-blocking socket: one sendfile per call, the bytes it took counted.
        Map<String, Integer> zcDrained = perTid.get(report.get("zcToDrained.tid"));
        Map<String, Integer> nioDrained = perTid.get(report.get("nioToDrained.tid"));
        String drained = "zcToDrained " + zcDrained + " " + report.get("zcToDrained.bytes") + " B, nioToDrained "
                + nioDrained + " " + report.get("nioToDrained.bytes") + " B";
        System.out.println(drained);
        assertTrue(Long.parseLong(report.get("zcToDrained.bytes")) > 0, drained);
        assertEquals(calls, count(zcDrained, "sendfile"), drained);
        assertEquals(0, count(zcDrained, "fcntl") + count(zcDrained, "close"), drained);
        assertEquals(0, count(zcDrained, "newfstatat") + count(zcDrained, "fstat") + count(zcDrained, "statx"), drained);
        assertEquals(calls, count(nioDrained, "sendfile"), drained);
        // The raw loops: at most one sendfile per call (a short count asks F_GETFL once and stops;
        // looping on would meet EAGAIN, a second sendfile per call).
        for (String phase : List.of("rawToDrained", "headerToDrained")) {
            Map<String, Integer> raw = perTid.get(report.get(phase + ".tid"));
            String text = phase + " " + raw + " " + report.get(phase + ".bytes") + " B";
            System.out.println(text);
            assertTrue(Long.parseLong(report.get(phase + ".bytes")) > 0, text);
            assertTrue(count(raw, "sendfile") <= calls, text);
            assertTrue(count(raw, "fcntl") > 0 && count(raw, "fcntl") <= count(raw, "sendfile"), text);
        }
    }

    private static int count(Map<String, Integer> m, String syscall) {
        return m == null ? 0 : m.getOrDefault(syscall, 0);
    }
}
