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
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The channel layer called from virtual threads (HAZARDS 16), each scenario in a child JVM on a
 * JDK with virtual threads (this one if it has them, else the Temurin 25 installed beside it) so
 * that a hang fails the test at its timeout instead of blocking the build.
 */
class ChannelsVirtualThreadTest {
    private static final Path TEMURIN_25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java");

    @TempDir
    Path dir;

    private static Map<String, String> probe(List<String> flags, String mode, Path file) throws Exception {
        List<String> cmd = new ArrayList<>(ChildJvm.javaArgs(flags, VirtualThreadChild.class, mode, file.toString()));
        if (Runtime.version().feature() < 21) {
            assumeTrue(Files.isExecutable(TEMURIN_25), "no JDK with virtual threads at " + TEMURIN_25);
            cmd.set(0, TEMURIN_25.toString());
        }
        ChildJvm.Result r = ChildJvm.run(cmd, Duration.ofSeconds(150));
        assertEquals(0, r.exitCode(), r.describe());
        Map<String, String> report = r.report();
        assertEquals("true", report.get("done"), r.describe());
        assertEquals(null, report.get("error"), r.describe());
        return report;
    }

    /**
     * A blocking-mode socket that a virtual thread has used is O_NONBLOCK at the fd level: the
     * transfer still moves the whole 32 MiB to a slow reader (the JDK's own transferTo returns
     * short here: 3.75 of 32 MiB in one run on Temurin 25), every byte checked; a non-blocking socket
     * gets NIO's short count, exactly the bytes the peer reads.
     */
    @Test
    void blockingModeSocketGetsTheWholeTransferNonBlockingTheShortCount() throws Exception {
        Path file = Sources.random(dir, "src", 32 << 20, 1);
        Map<String, String> r = probe(List.of(), "blocking", file);
        for (String way : new String[] {"static", "wrapped"}) {
            assertEquals(String.valueOf(32 << 20), r.get(way + ".n"), way);
            assertEquals(String.valueOf(32 << 20), r.get(way + ".received"), way);
            assertEquals("true", r.get(way + ".hashOk"), way);
            assertEquals("true", r.get(way + ".blockingMode"), way);
        }
        long n = Long.parseLong(r.get("nonblocking.n"));
        assertTrue(n > 0 && n < (32 << 20), "a non-blocking socket returns a short count: " + n);
        assertEquals(String.valueOf(n), r.get("nonblocking.received"));
        assertEquals("true", r.get("nonblocking.hashOk"));
    }

    /** The same for the zero-copy receive: a blocking-mode socket made O_NONBLOCK gives all 8 MiB asked for. */
    @Test
    void blockingModeSocketReceivesTheWholeCount() throws Exception {
        Path file = Sources.random(dir, "src", 8 << 20, 2);
        Map<String, String> r = probe(List.of(), "receive", file);
        for (String way : new String[] {"static", "wrapped"}) {
            assertEquals(String.valueOf(8 << 20), r.get(way + ".n"), way);
            assertEquals("true", r.get(way + ".hashOk"), way);
        }
    }

    /**
     * 64 virtual-thread writer/reader pairs through Pipes on two carriers: a writer that blocked in
     * native code would pin a carrier, and with both pinned the readers never run. All complete,
     * every byte checked (FileChannel.transferTo completes here too).
     */
    @Test
    void pipePairsOnTwoCarriersComplete() throws Exception {
        Path file = Sources.random(dir, "src", 1 << 20, 3);
        Map<String, String> r = probe(List.of("-Djdk.virtualThreadScheduler.parallelism=2",
                "-Djdk.virtualThreadScheduler.maxPoolSize=2"), "pipes", file);
        assertEquals("64", r.get("completed"), String.valueOf(r));
        assertEquals("0", r.get("bad"));
    }

    /**
     * 2,000 virtual threads copying at once to a channel without an fd under -Xmx64m (so at most
     * 64 MiB of direct buffers): no per-thread 64 KiB direct buffer, so none fails, as with
     * FileChannel.transferTo.
     */
    @Test
    void twoThousandVirtualThreadsCopyUnderASmallHeap() throws Exception {
        Path file = Sources.random(dir, "src", 64 * 1024, 4);
        Map<String, String> r = probe(List.of("-Xmx64m"), "buffers", file);
        for (String way : new String[] {"jdk", "static"}) {
            assertEquals("0", r.get(way + ".failed"), way + ": " + r.get(way + ".firstFailure"));
            assertEquals("2000", r.get(way + ".ok"), way);
            assertEquals(String.valueOf(2000L * 64 * 1024), r.get(way + ".bytes"), way);
        }
    }
}
