package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerocopy.testkit.ChildJvm;
import dev.zerocopy.testkit.Sources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * HAZARDS 5: copy_file_range refused by the kernel as a seccomp filter or an old kernel would
 * refuse it (EPERM, ENOSYS, EOPNOTSUPP), injected for real with strace into a child JVM. The
 * channel layer falls back to sendfile (transferTo) or a plain copy (transferFrom), remembers the
 * refusal for FILE targets so the second copy does not try again, and the bytes are identical.
 */
class ChannelsFaultInjectionTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"EPERM", "ENOSYS", "EOPNOTSUPP"})
    void copyFileRangeRefusedFallsBackAndIsRemembered(String errno) throws Exception {
        byte[] data = Sources.randomBytes(5 * 1024 * 1024 + 3, 1);
        Path src = Files.write(dir.resolve("src"), data);
        List<String> cmd = new ArrayList<>(List.of("strace", "-f", "-qq", "-o", "/dev/null",
                "-e", "trace=copy_file_range", "-e", "inject=copy_file_range:error=" + errno));
        cmd.addAll(ChildJvm.javaArgs(List.of(), FallbackChild.class, src.toString(), dir.toString()));
        ChildJvm.Result child = ChildJvm.run(cmd, Duration.ofSeconds(60));
        String out = child.describe();
        assertEquals(0, child.exitCode(), out);
        Map<String, String> r = child.report();
        assertEquals(String.valueOf(data.length), r.get("to0.n"), out);
        assertEquals("SENDFILE", r.get("to0.method"), out);
        assertEquals("1", r.get("to0.fallbacks"), out);
        assertEquals("true", r.get("to0.same"), out);
        // Remembered for FILE targets: the second copy goes straight to sendfile, no new fallback.
        assertEquals("SENDFILE", r.get("to1.method"), out);
        assertEquals("1", r.get("to1.fallbacks"), out);
        assertEquals("true", r.get("to1.same"), out);
        assertEquals("[COPY_FILE_RANGE]", r.get("refusedTo.FILE"), out);
        assertEquals(String.valueOf(data.length), r.get("from.n"), out);
        assertEquals("READ_WRITE", r.get("from.method"), out);
        assertEquals(String.valueOf(data.length), r.get("from.srcPos"), out);
        assertEquals("true", r.get("from.same"), out);
        assertEquals("[COPY_FILE_RANGE]", r.get("refusedFrom.FILE"), out);
    }

    /**
     * The zero-copy receive under a file size limit (HAZARDS 8: HotSpot ignores SIGXFSZ, the write
     * is short, then EFBIG): the bytes spliced from the socket but refused by the file are reported,
     * and file + lost + still-in-socket add up to exactly what was sent.
     */
    @org.junit.jupiter.api.Test
    void receiveIntoAFileThatHitsItsSizeLimitAccountsForEveryByte() throws Exception {
        int sent = 3 * 1024 * 1024;
        // ulimit -f in a shell that then execs the child JVM (HAZARDS 8).
        List<String> cmd = new ArrayList<>(List.of("bash", "-c", "ulimit -f 1024; exec \"$@\"", "bash"));
        cmd.addAll(ChildJvm.javaArgs(List.of(), ReceiveLimitChild.class, dir.resolve("recv").toString(), String.valueOf(sent)));
        ChildJvm.Result child = ChildJvm.run(cmd, Duration.ofSeconds(60));
        String out = child.describe();
        assertEquals(0, child.exitCode(), out);
        Map<String, String> r = child.report();
        assertEquals("EFBIG", r.get("outcome"), out);
        assertEquals(String.valueOf(1024 * 1024), r.get("inFile"), out);
        assertEquals(r.get("inFile"), r.get("size"), out);
        long lost = Long.parseLong(r.get("lost"));
        assertTrue(r.get("message").contains(lost + " more were taken from the source and lost"), out);
        assertEquals(sent, Long.parseLong(r.get("inFile")) + lost + Long.parseLong(r.get("rest")), out);
    }
}
