package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerocopy.testkit.Sources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Watches mmapSendZeroCopy from outside with strace (HAZARDS 11): every window is unmapped only
 * after the error queue has returned a completion for every MSG_ZEROCOPY send made so far.
 */
class MsgZeroCopyStraceTest {
    private static final Pattern TID = Pattern.compile("^(\\d+)\\s+(.*)$");
    private static final Pattern RESUMED = Pattern.compile("^<\\.\\.\\. \\w+ resumed>(.*)$");
    private static final Pattern COMPLETION = Pattern.compile("ee_origin=5, ee_type=0, ee_code=\\d+, ee_info=(\\d+), ee_data=(\\d+)");
    private static final Pattern RESULT = Pattern.compile("= (0x[0-9a-f]+|-?\\d+)");

    @TempDir
    Path dir;

    @Test
    void everyWindowIsUnmappedAfterItsCompletions() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Paths.get("/usr/bin/strace")), "needs strace (apt-get install strace)");
        byte[] data = Sources.randomBytes(20_000_000, 5); // 3 windows of 8 MiB, 20 sends of 1 MiB
        Path file = Files.write(dir.resolve("src"), data);
        Path trace = dir.resolve("trace");
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        // IPv4 sockets: strace decodes IP_RECVERR control messages (ee_info = lo, ee_data = hi).
        Process p = new ProcessBuilder("strace", "-f", "-qq", "-e", "trace=mmap,munmap,sendto,recvmsg", "-e", "signal=none",
                "-o", trace.toString(), java, "-Djava.net.preferIPv4Stack=true", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), MsgZeroCopyChild.class.getName(), file.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), out);
        Assumptions.assumeFalse(out.contains("PTRACE") || out.contains("Operation not permitted"), "ptrace is not allowed here: " + out);
        assertEquals(0, p.exitValue(), out);
        Files.copy(trace, Paths.get("target", "msg-zerocopy-strace.txt"), StandardCopyOption.REPLACE_EXISTING);
        String fd = out.lines().filter(l -> l.startsWith("fd ")).findFirst().orElseThrow().substring(3);
        assertTrue(out.contains("result 20000000 20 20 20000000"), out);

        // Join "<unfinished ...>" / "<... resumed>" halves per thread.
        Map<String, String> pending = new HashMap<>();
        Map<String, List<String>> calls = new HashMap<>();
        for (String line : Files.readAllLines(trace)) {
            Matcher m = TID.matcher(line);
            if (!m.matches()) {
                continue;
            }
            String tid = m.group(1);
            String rest = m.group(2);
            Matcher r = RESUMED.matcher(rest);
            if (r.matches()) {
                String head = pending.remove(tid);
                if (head != null) {
                    calls.computeIfAbsent(tid, k -> new ArrayList<>()).add(head + r.group(1));
                }
            } else if (rest.endsWith("<unfinished ...>")) {
                pending.put(tid, rest.substring(0, rest.length() - "<unfinished ...>".length()));
            } else {
                calls.computeIfAbsent(tid, k -> new ArrayList<>()).add(rest);
            }
        }
        List<String> sender = calls.values().stream().filter(c -> c.stream().anyMatch(s -> s.contains("MSG_ZEROCOPY")))
                .findFirst().orElseThrow(() -> new AssertionError("no MSG_ZEROCOPY send in the trace"));
        // The transfer starts at the window mapped just before the first MSG_ZEROCOPY send (the JVM
        // itself mapped other files earlier on this thread, maybe under the same fd number).
        String window = "PROT_READ, MAP_SHARED, " + fd + ",";
        int firstSend = 0;
        while (!sender.get(firstSend).contains("MSG_ZEROCOPY")) {
            firstSend++;
        }
        int start = firstSend;
        while (start > 0 && !(sender.get(start).startsWith("mmap(") && sender.get(start).contains(window))) {
            start--;
        }
        long sends = 0;
        long completed = 0;
        int windows = 0;
        Set<String> mapped = new HashSet<>();
        for (String c : sender.subList(start, sender.size())) {
            Matcher res = RESULT.matcher(c);
            String ret = res.find() ? res.group(1) : "";
            if (c.startsWith("mmap(") && c.contains(window)) {
                mapped.add(ret);
            } else if (c.startsWith("sendto(") && c.contains("MSG_ZEROCOPY") && !ret.startsWith("-")) {
                sends++;
            } else if (c.startsWith("recvmsg(")) {
                Matcher z = COMPLETION.matcher(c);
                while (z.find()) {
                    completed += Long.parseLong(z.group(2)) - Long.parseLong(z.group(1)) + 1;
                }
            } else if (c.startsWith("munmap(")) {
                String addr = c.substring("munmap(".length(), c.indexOf(','));
                if (mapped.remove(addr)) {
                    windows++;
                    assertEquals(sends, completed, "window " + addr + " unmapped with " + (sends - completed) + " sends not completed");
                }
            }
        }
        String context = String.join("\n", sender.subList(start, Math.min(sender.size(), start + 12)));
        assertEquals(3, windows, () -> "three 8 MiB windows mapped and unmapped; fd " + fd + ", the trace from the first window:\n" + context);
        assertEquals(20, sends);
        assertEquals(20, completed);
        assertTrue(mapped.isEmpty(), "windows left mapped: " + mapped);
    }
}
