package dev.zerocopy.hazards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerocopy.testkit.Sources;
import dev.zerocopy.testkit.Proc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.zerocopy.NativeZeroCopy;
import dev.zerocopy.TransferMethod;

/**
 * HAZARDS 10 (and 6): every mmap window is unmapped and every descriptor the library makes is
 * closed on every path, failures included; a leak would exhaust vm.max_map_count or the fd limit
 * in a server that runs for months. 100k transfers through every method, a third of them forced
 * failures (among them mmap+write whose write fails after the mapping was made), leave
 * /proc/self/maps and /proc/self/fd as they were.
 */
class H10MappingLeakTest {
    @TempDir
    Path dir;

    @Test
    void hundredThousandTransfersIncludingFailuresLeaveMapsAndFdsUnchanged() throws Exception {
        byte[] data = Sources.randomBytes(4 << 20, 10);
        Path src = Files.write(dir.resolve("src"), data);
        try (Failures f = new Failures(dir, src)) {
            run(f, data.length, 2_000, new Random(1)); // warm up (JIT, classes, the thread's pipe and buffer)
            int fds = Proc.fdCount();
            int maps = Proc.mapsLines(null);
            Random rnd = new Random(2);
            int total = 0;
            for (int round = 0; round < 10; round++) {
                total += run(f, data.length, 10_000, rnd);
                assertEquals(0, Proc.mapsLines(dir), "a mapping of the source outlived its transfer");
            }
            assertEquals(100_000, total);
            Proc.assertNoGrowth("open descriptors", fds, Proc::fdCount);
            int after = Proc.mapsLines(null);
            System.out.printf("H10: maps lines %d before, %d after 100k transfers; fds %d%n", maps, after, fds);
            // The JVM itself may map a few areas meanwhile (code cache, GC); a leaked window per
            // mmap+write call would be thousands.
            assertTrue(after - maps < 16, "maps lines grew from " + maps + " to " + after);
        }
    }

    private static int run(Failures f, int size, int n, Random rnd) {
        List<Failures.Case> cases = f.cases;
        TransferMethod[] toNull = {TransferMethod.READ_WRITE, TransferMethod.MMAP_WRITE, TransferMethod.SENDFILE,
            TransferMethod.SPLICE};
        for (int i = 0; i < n; i++) {
            if (i % 3 == 2) {
                cases.get(rnd.nextInt(cases.size())).assertFails();
            } else {
                TransferMethod m = toNull[rnd.nextInt(toNull.length)];
                int off = rnd.nextInt(size);
                int len = 1 + rnd.nextInt(64 * 1024);
                try {
                    assertEquals(Math.min(len, size - off), NativeZeroCopy.transfer(m, f.src, f.devNull, off, len));
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }
        }
        return n;
    }
}
