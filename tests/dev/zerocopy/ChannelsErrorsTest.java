package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.zerocopy.testkit.ChildJvm;
import dev.zerocopy.testkit.Sources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The channel layer's own failures (the duplicate of a channel's fd) report their own syscall and count. */
class ChannelsErrorsTest {
    @TempDir
    Path dir;

    /**
     * EMFILE in the F_DUPFD of a channel, after a successful transfer of 12,345 bytes on the same
     * thread: the exception names fcntl and 0 bytes (it used to say "failed in none: EMFILE, 12345
     * bytes transferred", the earlier call's state). Forced for real: the child runs under
     * prlimit --nofile and fills its descriptor table first.
     */
    @Test
    void dupFailureReportsItsOwnSyscallAndNoBytes() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/prlimit")), "prlimit (util-linux) is needed");
        Path file = Sources.random(dir, "src", 100_000, 1);
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/prlimit", "--nofile=400:400", "--"));
        cmd.addAll(ChildJvm.javaArgs(List.of("-Xshare:off"), DupFailureChild.class, file.toString()));
        ChildJvm.Result r = ChildJvm.run(cmd, Duration.ofSeconds(60));
        Map<String, String> report = r.report();
        assertEquals("true", report.get("done"), r.describe());
        assertEquals("12345", report.get("second"), r.describe());
        for (String call : new String[] {"transferTo", "wrap"}) {
            assertEquals("EMFILE", report.get(call + ".errno"), r.describe());
            assertEquals("fcntl", report.get(call + ".syscall"), r.describe());
            assertEquals("0", report.get(call + ".bytes"), r.describe());
            assertFalse(report.get(call + ".message").contains("12345"), report.get(call + ".message"));
        }
    }
}
