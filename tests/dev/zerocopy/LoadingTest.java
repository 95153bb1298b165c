package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
class LoadingTest {
    @TempDir
    Path dir;

    static void assertUnavailable(ChildJvm.Result r, String reason) {
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals("false", r.get("available"), r.stdout());
        assertEquals("java.lang.IllegalStateException: " + reason, r.get("cause"), r.stdout());
        String error = "java.lang.UnsatisfiedLinkError: native-zerocopy is not available: " + reason;
        assertEquals(error, r.get("transfer"), "a transfer, even of 0 bytes, says why");
        assertEquals(error, r.get("fd"), "fd() says why too, not a bare JNI link error");
    }

    @Test
    void missingLibrary() throws Exception {
        ChildJvm.Result r = ChildJvm.run(ChildJvm.classPath(), dir, "-Ddev.zerocopy.library=/nonexistent");
        assertUnavailable(r, "cannot load /nonexistent: no such file");
    }

    @Test
    void wrongLibrary() throws Exception {
        String libc = "/lib/x86_64-linux-gnu/libc.so.6";
        assertTrue(Files.exists(Path.of(libc)));
        ChildJvm.Result r = ChildJvm.run(ChildJvm.classPath(), dir, "-Ddev.zerocopy.library=" + libc);
        assertEquals("false", r.get("available"), r.stdout());
        String cause = r.get("cause");
        assertTrue(cause.startsWith("java.lang.IllegalStateException: " + libc + " is not a native-zerocopy shim: "), cause);
        assertTrue(cause.endsWith("it has no zc_abi_version symbol"), "names the missing symbol: " + cause);
        assertUnavailable(r, cause.substring("java.lang.IllegalStateException: ".length()));
    }

    @Test
    void bundledLibraryLoadsFromAPrivateDirectoryAndLeavesNothing() throws Exception {
        Path extract = Files.createDirectory(dir.resolve("extract"));
        ChildJvm.Result r = ChildJvm.run(ChildJvm.classPath(), dir, "-Ddev.zerocopy.extractDir=" + extract);
        assertEquals("true", r.get("available"), r.stdout() + r.stderr());
        assertEquals("", r.get("cause"));
        assertEquals("returned 0", r.get("transfer"));
        assertEquals("returned 1", r.get("fd"));
        try (var left = Files.list(extract)) {
            assertEquals(0, left.count(), "the extracted library and its directory are deleted once loaded");
        }
        assertFalse(r.stderr().contains("restricted method"), r.stderr());
        assertFalse(r.stderr().contains("WARNING"), r.stderr());
    }
}
