package dev.zerocopy.hazards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.zerocopy.testkit.Hashing;
import dev.zerocopy.testkit.Sources;
import dev.zerocopy.testkit.ChildJvm;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.zerocopy.TransferMethod;

/**
 * HAZARDS 4: EINTR is retried inside the shim. A child JVM starts, then runs one transfer with
 * {@code strace -f -p PID -e inject=SYSCALL:error=EINTR:when=2+2} attached: every second call of
 * the syscall, in every thread, fails with EINTR without entering the kernel. The transfer must still move every
 * byte exactly once, and the strace log must show the injected failures (so the test cannot pass
 * without EINTR really happening). Skipped, with the reason, where strace cannot trace.
 */
class H04EintrInjectionTest {
    private static final int SIZE = 8 << 20;

    /** The syscalls each method makes (x86_64 names), which get the EINTR. */
    private static final Map<TransferMethod, String> SYSCALLS = Map.of(
            TransferMethod.SENDFILE, "sendfile",
            TransferMethod.SPLICE, "splice",
            TransferMethod.READ_WRITE, "pread64,write",
            TransferMethod.MMAP_WRITE, "write",
            TransferMethod.COPY_FILE_RANGE, "copy_file_range");

    @TempDir
    static Path dir;
    static Path src;
    static String expectedSha;

    @BeforeAll
    static void setUp() throws Exception {
        byte[] data = Sources.randomBytes(SIZE, 4);
        src = Files.write(dir.resolve("src"), data);
        expectedSha = Hashing.of(data, 0, SIZE);
    }

    private static void assumeStraceWorks() throws Exception {
        List<String> probe = List.of("strace", "-f", "-qq", "-o", "/dev/null", "-e", "trace=none", "true");
        ChildJvm.Result r;
        try {
            r = ChildJvm.run(probe, Duration.ofSeconds(30));
        } catch (IOException e) {
            assumeTrue(false, "strace is not installed: " + e.getMessage());
            return;
        }
        assumeTrue(r.exitCode() == 0, "strace cannot trace here (ptrace refused?): " + r.stderr().trim());
    }

    @ParameterizedTest
    @EnumSource(TransferMethod.class)
    void transferCompletesUnderInjectedEintr(TransferMethod method) throws Exception {
        assumeStraceWorks();
        String syscalls = SYSCALLS.get(method);
        Path log = dir.resolve("strace-" + method + ".log");
        Path handshake = Files.createDirectory(dir.resolve("hs-" + method));
        // copy_file_range and mmap+write are asked for 1 MiB per call, so their syscall runs several
        // times; the others write to a pipe 64 KiB at a time anyway.
        boolean fileTarget = method == TransferMethod.COPY_FILE_RANGE;
        boolean chunked = fileTarget || method == TransferMethod.MMAP_WRITE;
        String target = fileTarget ? dir.resolve("dst-" + method).toString() : "pipe";
        List<String> childCmd = ChildJvm.javaArgs(List.of(), HazardChild.class, "transfer", method.name(), src.toString(),
                String.valueOf(SIZE), String.valueOf(chunked ? 1 << 20 : SIZE), target, handshake.toString());
        Process child = new ProcessBuilder(childCmd).start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> slurp(child.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> slurp(child.getErrorStream()));
        Process strace = null;
        try {
            awaitFile(handshake.resolve("ready"), child);
            // Attach after JVM startup: injected into the dynamic loader's reads, EINTR would stop
            // the launcher before Java runs (ld.so does not retry).
            strace = new ProcessBuilder("strace", "-f", "-p", String.valueOf(child.pid()), "-o", log.toString(),
                    "-e", "trace=" + syscalls, "-e", "inject=" + syscalls + ":error=EINTR:when=2+2")
                    .redirectErrorStream(true).start();
            BufferedReader straceErr = new BufferedReader(new InputStreamReader(strace.getInputStream(), StandardCharsets.UTF_8));
            AtomicInteger attached = new AtomicInteger();
            StringBuffer straceSaid = new StringBuffer();
            Thread counter = new Thread(() -> countAttached(straceErr, attached, straceSaid), "strace-stderr");
            counter.setDaemon(true);
            counter.start();
            // Wait until strace traces every thread of the JVM (the transferring one among them).
            Path tasks = Path.of("/proc", String.valueOf(child.pid()), "task");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (attached.get() < taskCount(tasks)) {
                assertTrue(System.nanoTime() < deadline && strace.isAlive(), "strace did not attach: " + straceSaid);
                Thread.sleep(20);
            }
            Files.createFile(handshake.resolve("go"));
            assertTrue(child.waitFor(120, TimeUnit.SECONDS), "child JVM did not finish");
            assertTrue(strace.waitFor(30, TimeUnit.SECONDS), "strace did not finish");
        } finally {
            if (strace != null && strace.isAlive()) {
                strace.destroyForcibly();
            }
            if (child.isAlive()) {
                child.destroyForcibly();
            }
        }
        ChildJvm.Result r = new ChildJvm.Result(child.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS));
        assertEquals(0, r.exitCode(), r.describe());
        assertNull(r.value("errno"), r.describe());
        assertEquals(String.valueOf(SIZE), r.value("moved"), r.describe());
        assertEquals(expectedSha, r.value("sha256"), "bytes differ after EINTR retries\n" + r.describe());

        long injected = 0;
        for (String line : Files.readAllLines(log)) {
            if (line.contains("EINTR") && line.contains("(INJECTED)") && mentionsAny(line, syscalls)) {
                injected++;
            }
        }
        assertTrue(injected >= 2, "strace injected " + injected + " EINTRs into " + syscalls);
        // The shim counts every attempt: each injected EINTR is one more syscall than a clean run makes.
        long counted = Long.parseLong(r.value("syscalls"));
        assertTrue(counted > injected, "shim syscalls " + counted + " vs injected " + injected);
        System.out.printf("H04 %s: %d EINTRs injected, %d syscalls counted by the shim%n", method, injected, counted);
    }

    private static void awaitFile(Path file, Process child) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(file)) {
            assertTrue(child.isAlive(), "child JVM ended early: exit " + (child.isAlive() ? "" : child.exitValue()));
            assertTrue(System.nanoTime() < deadline, "child JVM never got ready");
            Thread.sleep(10);
        }
    }

    private static void countAttached(BufferedReader r, AtomicInteger attached, StringBuffer said) {
        try {
            for (String line; (line = r.readLine()) != null; ) {
                said.append(line).append('\n');
                // strace 6.x: "Process N attached with T threads" once all T are traced.
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("attached with (\\d+) threads").matcher(line);
                if (m.find()) {
                    attached.addAndGet(Integer.parseInt(m.group(1)));
                } else if (line.contains("attached")) {
                    attached.incrementAndGet();
                }
            }
        } catch (IOException e) {
            said.append(e);
        }
    }

    private static int taskCount(Path tasks) throws IOException {
        try (var s = Files.list(tasks)) {
            return (int) s.count();
        }
    }

    private static String slurp(java.io.InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "<" + e + ">";
        }
    }

    private static boolean mentionsAny(String line, String syscalls) {
        for (String s : syscalls.split(",")) {
            if (line.contains(s + "(") || line.contains("<... " + s + " resumed>")) {
                return true;
            }
        }
        return false;
    }
}
