package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.zerocopy.testkit.ChildJvm;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * EINTR is retried inside the shim (HAZARDS 4): in a child JVM, `strace -p <tid> -e
 * inject=...:error=EINTR:when=2+2` fails every second sendfile, splice, pread64, write and
 * copy_file_range of the one thread that transfers through every method; the bytes still arrive
 * intact and no ErrnoException(EINTR) escapes. The strace log proves the faults were injected.
 * strace comes with .ci/run.
 */
class EintrTest {
    static final List<String> CALLS = List.of("sendfile", "splice", "pread64", "write", "copy_file_range");

    @TempDir
    Path dir;

    @Test
    void interruptedSyscallsAreRetried() throws Exception {
        String report = runInjected("all", "2+2");
        for (TransferMethod m : TransferMethod.values()) {
            assertTrue(report.contains("ok " + m + " "), m + " under EINTR injection: " + report);
            assertTrue(report.contains("ok chan-" + m + " "), "channel layer, " + m + " under EINTR injection: " + report);
        }
    }

    /**
     * Two EINTRs in a row with nothing moved between end a channel-layer call (what a JDK close's
     * repeated signal does, zc_chan_transfer), and the Java loop, finding both channels open, calls
     * again from where it stopped: the second and third invocation of each syscall fail.
     */
    @Test
    void theChannelLayerResumesAfterACallEndedByEintr() throws Exception {
        String report = runInjected("channel", "2..3");
        for (TransferMethod m : TransferMethod.values()) {
            assertTrue(report.contains("ok chan-" + m + " "), "channel layer, " + m + " under EINTR injection: " + report);
        }
    }

    /** Runs EintrChild in `mode`, its transferring thread traced with EINTR injected `when`; returns its report. */
    private String runInjected(String mode, String when) throws Exception {
        Path strace = Path.of("/usr/bin/strace");
        assumeTrue(Files.isExecutable(strace), "strace is not installed (.ci/run installs it)");
        Path log = dir.resolve("strace.log");
        Path out = dir.resolve("out");
        List<String> cmd = ChildJvm.javaArgs(List.of(), EintrChild.class, dir.toString(), mode);
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        Process tracer = null;
        String result;
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream()));
             Writer stdin = new OutputStreamWriter(child.getOutputStream())) {
            String first = lines.readLine();
            assertTrue(first != null && first.startsWith("tid="), "child said: " + first);
            String tid = first.substring(4);
            // Only the transferring thread is traced, so the JVM's own start-up calls are left alone.
            tracer = new ProcessBuilder(strace.toString(), "-qq", "-o", log.toString(), "-p", tid,
                    "-e", "trace=" + String.join(",", CALLS),
                    "-e", "inject=" + String.join(",", CALLS) + ":error=EINTR:when=" + when)
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start();
            Path status = Path.of("/proc/" + child.pid() + "/task/" + tid + "/status");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (Files.readAllLines(status).stream().anyMatch(l -> l.equals("TracerPid:\t0"))) {
                assertTrue(System.nanoTime() < deadline, "strace did not attach: " + Files.readString(out));
                Thread.sleep(10);
            }
            stdin.write("go\n");
            stdin.flush();
            StringBuilder report = new StringBuilder();
            for (String line; (line = lines.readLine()) != null; ) {
                report.append(line).append('\n');
            }
            assertTrue(child.waitFor(120, TimeUnit.SECONDS), "child hung");
            assertTrue(tracer.waitFor(30, TimeUnit.SECONDS), "strace did not end with its thread");
            assertEquals(0, child.exitValue(), report::toString);
            result = report.toString();
        } finally {
            // End what is left by its own pid (only on failure paths).
            if (tracer != null && tracer.isAlive()) {
                tracer.destroyForcibly();
            }
            if (child.isAlive()) {
                child.destroyForcibly();
            }
        }
        String trace = Files.readString(log);
        // copy_file_range moves the channel mode's whole file in one invocation: none to inject into.
        for (String call : mode.equals("all") ? CALLS : CALLS.subList(0, 4)) {
            assertTrue(trace.lines().anyMatch(l -> l.contains(call + "(") && l.contains("EINTR") && l.contains("INJECTED")),
                    "no EINTR was injected into " + call + ": " + trace.lines().limit(20).toList());
        }
        return result;
    }
}
