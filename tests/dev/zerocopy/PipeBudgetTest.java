package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import dev.zerocopy.testkit.ChildJvm;
import dev.zerocopy.testkit.Sources;

/**
 * The library must not spend the user's pipe budget (fs.pipe-user-pages-soft, per user over all
 * of its processes): 128 threads of an unprivileged user that each spliced once and then idle
 * must leave that user's new pipes at their normal size. With one 1 MiB pipe per thread (256
 * pages each, 32768 pages for 128 threads) the user went over the 16384-page default and every
 * new pipe of the user got 2 pages (8 KiB) instead of 16 (64 KiB). Runs the child as "nobody"
 * with setpriv, from a copy of the class path that user can read.
 */
class PipeBudgetTest {
    static final int THREADS = 128;

    @Test
    void aHundredAndTwentyEightThreadsThatSplicedLeaveTheUsersPipesTheirSize() throws Exception {
        assumeTrue("0".equals(new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes()).trim()),
                "needs root to run a child as nobody");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "needs setpriv (util-linux)");
        long soft = Long.parseLong(Files.readString(Path.of("/proc/sys/fs/pipe-user-pages-soft")).trim());
        assumeTrue(soft > 0 && soft <= THREADS * 256L, "pipe-user-pages-soft " + soft + " would not be reached by per-thread pipes");
        Path root = Files.createTempDirectory("zc-pipe-budget-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        try {
            List<String> cp = new ArrayList<>();
            int i = 0;
            for (String entry : ChildJvm.classPathEntries()) {
                Path from = Path.of(entry);
                if (!Files.exists(from)) {
                    continue;
                }
                Path to = root.resolve("cp" + i++ + (Files.isDirectory(from) ? "" : ".jar"));
                copy(from, to);
                cp.add(to.toString());
            }
            Path tmp = Files.createDirectory(root.resolve("tmp"));
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxrwxrwx"));
            Path src = Sources.random(root, "src", 1 << 20, 9);
            Files.setPosixFilePermissions(src, PosixFilePermissions.fromString("rw-r--r--"));
            List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"));
            cmd.addAll(ChildJvm.javaArgs(String.join(":", cp), List.of("-Djava.io.tmpdir=" + tmp, "-Djffi.extract.dir=" + tmp),
                    PipeBudgetProbe.class, src.toString(), Integer.toString(THREADS)));
            ChildJvm.Result r = ChildJvm.run(cmd, Duration.ofSeconds(120));
            assertEquals(0, r.exitCode(), r.describe());
            long before = Long.parseLong(r.value("before"));
            assumeTrue(before == 65536, "nobody's new pipes were not 64 KiB before the test (other processes of that user?): " + before);
            assertEquals(THREADS * (long) (1 << 20), Long.parseLong(r.value("spliced")), r.describe());
            assertEquals(before, Long.parseLong(r.value("after")),
                    "a new pipe of the user after " + THREADS + " threads spliced once (8192: over pipe-user-pages-soft)\n" + r.describe());
        } finally {
            try (Stream<Path> all = Files.walk(root)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** Copies a file or a directory tree, readable by everyone. */
    private static void copy(Path from, Path to) throws IOException {
        if (!Files.isDirectory(from)) {
            Files.copy(from, to);
            Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rw-r--r--"));
            return;
        }
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : all.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                    Files.setPosixFilePermissions(t, PosixFilePermissions.fromString("rwxr-xr-x"));
                } else {
                    Files.copy(p, t);
                    Files.setPosixFilePermissions(t, PosixFilePermissions.fromString("rw-r--r--"));
                }
            }
        }
    }
}
