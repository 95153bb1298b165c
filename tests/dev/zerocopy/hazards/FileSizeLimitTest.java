package dev.zerocopy.hazards;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.zerocopy.testkit.Sources;
import dev.zerocopy.testkit.ChildJvm;
import dev.zerocopy.testkit.Methods;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.zerocopy.TransferMethod;

/**
 * HAZARDS 8 (docs/HAZARDS.md): under RLIMIT_FSIZE ({@code ulimit -f}) a write past the limit raises SIGXFSZ, which
 * kills a plain C process; HotSpot ignores it, so the write is short and the next one fails with
 * EFBIG. A child JVM started by {@code prlimit --fsize} copies 4 MiB with every method into a
 * 1 MiB limit: the first call reports EFBIG carrying exactly the 1 MiB that was written, the next
 * call EFBIG with 0 bytes, the file holds the right 1 MiB, and the JVM lives to print its report.
 */
class FileSizeLimitTest {
    private static final int LIMIT = 1 << 20;
    private static final int SIZE = 4 << 20;

    @TempDir
    Path dir;

    @Test
    void everyMethodUnderUlimitF() throws Exception {
        assumeTrue(Files.isExecutable(Paths.get("/usr/bin/prlimit")), "prlimit (util-linux) is not installed");
        byte[] data = Sources.randomBytes(SIZE, 8);
        Path src = Files.write(dir.resolve("src"), data);
        Path out = Files.createDirectory(dir.resolve("out"));
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/prlimit", "--fsize=" + LIMIT, "--"));
        cmd.addAll(ChildJvm.javaArgs(List.of(), FileSizeLimitChild.class, src.toString(), out.toString(), String.valueOf(SIZE)));
        ChildJvm.Result r = ChildJvm.run(cmd, Duration.ofSeconds(60));
        assertEquals(0, r.exitCode(), r.describe());
        assertEquals("true", r.value("alive"), r.describe());
        for (TransferMethod m : TransferMethod.values()) {
            String syscall = Methods.writeCall(m);
            assertEquals("EFBIG " + LIMIT + " " + syscall, r.value(m + ".call1"), m + "\n" + r.describe());
            assertEquals("EFBIG 0 " + syscall, r.value(m + ".call2"), m + "\n" + r.describe());
            assertArrayEquals(Arrays.copyOf(data, LIMIT), Files.readAllBytes(out.resolve(m.name())), m.name());
        }
    }
}
