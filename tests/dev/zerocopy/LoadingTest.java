package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerocopy.testkit.ChildJvm;
import java.util.List;
import java.time.Duration;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loading the shim (HAZARDS 15), each case in a fresh child JVM: a missing or wrong library gives
 * one clear error, kept as the unavailability cause and thrown, naming it, by every call; the
 * bundled library loads from a private directory and leaves nothing behind; with
 * --enable-native-access=ALL-UNNAMED no JDK prints a restricted-method warning.
 */
public class LoadingTest {
    @TempDir
    Path dir;

    /** Runs LoadProbe in a child JVM with class path {@code cp} and the given JVM flags. */
    public static ChildJvm.Result runChild(String cp, String... jvmFlags) throws Exception {
        return ChildJvm.run(ChildJvm.javaArgs(cp, List.of(jvmFlags), LoadProbe.class), Duration.ofSeconds(60));
    }

    static void assertUnavailable(ChildJvm.Result r, String reason) {
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals("false", r.value("available"), r.stdout());
        assertEquals("java.lang.IllegalStateException: " + reason, r.value("cause"), r.stdout());
        String error = "java.lang.UnsatisfiedLinkError: native-zerocopy is not available: " + reason;
        assertEquals(error, r.value("transfer"), "a transfer, even of 0 bytes, says why");
        assertEquals(error, r.value("fd"), "fd() says why too, not a bare JNI link error");
    }

    @Test
    void missingLibrary() throws Exception {
        ChildJvm.Result r = runChild(ChildJvm.classPath(), "-Ddev.zerocopy.library=/nonexistent");
        assertUnavailable(r, "cannot load /nonexistent: no such file");
    }

    @Test
    void wrongLibrary() throws Exception {
        String libc = "/lib/x86_64-linux-gnu/libc.so.6";
        assertTrue(Files.exists(Path.of(libc)));
        ChildJvm.Result r = runChild(ChildJvm.classPath(), "-Ddev.zerocopy.library=" + libc);
        assertEquals("false", r.value("available"), r.stdout());
        String cause = r.value("cause");
        assertTrue(cause.startsWith("java.lang.IllegalStateException: " + libc + " is not a native-zerocopy shim: "), cause);
        assertTrue(cause.endsWith("it has no zc_abi_version symbol"), "names the missing symbol: " + cause);
        assertUnavailable(r, cause.substring("java.lang.IllegalStateException: ".length()));
    }

    @Test
    void bundledLibraryLoadsFromAPrivateDirectoryAndLeavesNothing() throws Exception {
        Path extract = Files.createDirectory(dir.resolve("extract"));
        ChildJvm.Result r = runChild(ChildJvm.classPath(), "-Ddev.zerocopy.extractDir=" + extract);
        assertEquals("true", r.value("available"), r.stdout() + r.stderr());
        assertEquals("", r.value("cause"));
        assertEquals("returned 0", r.value("transfer"));
        assertEquals("returned 1", r.value("fd"));
        try (var left = Files.list(extract)) {
            assertEquals(0, left.count(), "the extracted library and its directory are deleted once loaded");
        }
        assertFalse(r.stderr().contains("restricted method"), r.stderr());
        assertFalse(r.stderr().contains("WARNING"), r.stderr());
    }
}
