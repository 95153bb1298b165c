package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HAZARDS 4: every other sendfile, splice, tee, vmsplice and sendto fails with an injected EINTR
 * (strace -e inject); each kernel-experiment call must retry and deliver the same bytes.
 */
class KernelExperimentsEintrTest {
    @TempDir
    Path dir;

    @Test
    void injectedEintrIsRetriedEverywhere() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Paths.get("/usr/bin/strace")), "needs strace (apt-get install strace)");
        Path trace = dir.resolve("trace");
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder("strace", "-f", "-qq", "-o", trace.toString(),
                "-e", "trace=sendfile,splice,tee,vmsplice,sendto", "-e", "signal=none",
                "-e", "inject=sendfile,splice,tee,vmsplice,sendto:error=EINTR:when=2+2",
                java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                KernelExperimentsChild.class.getName(), dir.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), out);
        Assumptions.assumeFalse(out.contains("PTRACE") || out.contains("Operation not permitted"), "ptrace is not allowed here: " + out);
        assertEquals(0, p.exitValue(), out);
        for (String call : new String[] {"sendfileBatch", "sendWithHeader", "mmapSendZeroCopy", "tee"}) {
            assertTrue(out.contains(call + " ok"), out);
        }
        String t = Files.readString(trace);
        for (String sys : new String[] {"sendfile(", "splice(", "tee(", "vmsplice(", "sendto("}) {
            assertTrue(t.lines().anyMatch(l -> l.contains(sys) && l.contains("(INJECTED)")), "no EINTR was injected into " + sys);
        }
    }
}
