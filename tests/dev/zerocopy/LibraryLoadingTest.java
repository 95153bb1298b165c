package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.zerocopy.testkit.ChildJvm;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.zerocopy.ShimBinding.Shim;

/**
 * HAZARDS 15 (docs/HAZARDS.md): the shim is loaded by absolute path from a private directory, and
 * a missing or wrong library gives one clear error: isAvailable() is false, unavailabilityCause()
 * says what is wrong with which file, and every call (fd() included, and the second call as the
 * first) throws the same UnsatisfiedLinkError naming it; nothing is printed on stderr. Each case
 * runs in a child JVM ({@link LoadChild}), since the library is loaded once per JVM. The wrong
 * libraries are built here with gcc.
 */
class LibraryLoadingTest {
    @TempDir
    Path dir;

    /** Runs LoadChild in a child JVM with class path {@code cp} and the given JVM flags. */
    static ChildJvm.Result runChild(String cp, String... jvmFlags) throws Exception {
        return ChildJvm.run(ChildJvm.javaArgs(cp, List.of(jvmFlags), LoadChild.class), Duration.ofSeconds(60));
    }

    @Test
    void missingLibrary() throws Exception {
        Path lib = dir.resolve("nowhere/libzerocopy.so");
        assertOneClearError(lib, "cannot load " + lib + ": no such file");
    }

    /** Refused before dlopen, so HotSpot's "might have disabled stack guard" warning (os_linux.cpp) never appears. */
    @Test
    void notAnElfFile() throws Exception {
        Path lib = Files.writeString(dir.resolve("libzerocopy.so"), "not a shared object\n".repeat(20));
        assertOneClearError(lib, "cannot load " + lib + ": not an ELF shared library");
    }

    /** A real shared object with the right name but none of the shim's symbols. */
    @Test
    void unrelatedLibraryWithTheRightName() throws Exception {
        Path lib = compile("int something_else(void) { return 42; }\n");
        assertOneClearError(lib, lib + " is not a native-zerocopy shim: it has no zc_abi_version symbol");
    }

    /** A system library named instead of the shim. */
    @Test
    void systemLibraryInstead() throws Exception {
        Path libc = Path.of("/lib/x86_64-linux-gnu/libc.so.6");
        assumeTrue(Files.exists(libc), "no " + libc);
        assertOneClearError(libc, libc + " is not a native-zerocopy shim: it has no zc_abi_version symbol");
    }

    /** Every symbol the binding needs is there, but the library reports another ABI version. */
    @Test
    void rightSymbolsWrongAbiVersion() throws Exception {
        Path lib = compile(stubs(999, null));
        assertOneClearError(lib, lib + " has ABI version 999, this jar needs " + NativeLibrary.ABI_VERSION);
    }

    /** The right ABI version, one symbol missing: named at load, not as "unknown" at the first splice. */
    @Test
    void rightAbiVersionMissingSymbol() throws Exception {
        Path lib = compile(stubs(NativeLibrary.ABI_VERSION, "zc_splice"));
        assertOneClearError(lib, lib + " is not a native-zerocopy shim: it has no zc_splice symbol");
    }

    /** A JNI function missing: named at load, not as UnsatisfiedLinkError at the first channel transfer. */
    @Test
    void rightAbiVersionMissingJniFunction() throws Exception {
        String jni = "Java_dev_zerocopy_FdAccess_memberIds";
        Path lib = compile(stubs(NativeLibrary.ABI_VERSION, jni));
        assertOneClearError(lib, lib + " is not a native-zerocopy shim: it has no " + jni + " symbol");
    }

    /** The bundled library loads from a private directory, which is empty again once it is loaded; no JVM warning. */
    @Test
    void bundledLibraryLoadsFromAPrivateDirectoryAndLeavesNothing() throws Exception {
        Path extract = Files.createDirectory(dir.resolve("extract"));
        ChildJvm.Result r = runChild(ChildJvm.classPath(), "-Ddev.zerocopy.extractDir=" + extract);
        assertEquals("true", r.value("available"), r.describe());
        assertEquals("", r.value("cause"));
        assertEquals("returned 0", r.value("transfer"));
        assertEquals("returned 1", r.value("fd"));
        try (var left = Files.list(extract)) {
            assertEquals(0, left.count(), "the extracted library and its directory are deleted once loaded");
        }
        assertFalse(r.stderr().contains("restricted method"), r.stderr());
        assertFalse(r.stderr().contains("WARNING"), r.stderr());
    }

    /**
     * The first use of the library on an interrupted thread: it loads all the same (loading does
     * file I/O through NIO channels, which an interrupt closes), and the interrupt is kept for the
     * caller. It used to leave the library unavailable for the process.
     */
    @Test
    void firstUseOnAnInterruptedThreadLoadsAndKeepsTheInterrupt() throws Exception {
        ChildJvm.Result r = ChildJvm.run(ChildJvm.javaArgs(ChildJvm.classPath(), List.of(), LoadChild.class, "interrupted"),
                Duration.ofSeconds(60));
        assertEquals("true", r.value("available"), r.describe());
        assertEquals("true", r.value("stillInterrupted"), r.describe());
        assertEquals("returned 0", r.value("transfer"), r.describe());
    }

    /** C stubs for every method of the binding, zc_abi_version answering abi, except the one left out. */
    private static String stubs(int abi, String leftOut) {
        StringBuilder c = new StringBuilder("#include <stdint.h>\n");
        for (String name : NativeLibrary.requiredSymbols()) {
            if (name.equals(leftOut)) {
                continue;
            }
            if (name.equals("zc_abi_version")) {
                c.append("int zc_abi_version(void) { return ").append(abi).append("; }\n");
            } else if (isString(name)) {
                c.append("const char *").append(name).append("(void) { return \"stub\"; }\n");
            } else {
                c.append("int64_t ").append(name).append("(void) { return -38; }\n");
            }
        }
        return c.toString();
    }

    private static boolean isString(String symbol) {
        for (Method m : Shim.class.getMethods()) {
            if (m.getName().equals(symbol)) {
                return m.getReturnType() == String.class;
            }
        }
        return false;
    }

    private Path compile(String source) throws Exception {
        Path c = Files.writeString(dir.resolve("fake.c"), source);
        Path lib = Files.createDirectories(dir.resolve("lib")).resolve("libzerocopy.so");
        ChildJvm.Result r;
        try {
            r = ChildJvm.run(List.of("gcc", "-shared", "-fPIC", "-o", lib.toString(), c.toString()), Duration.ofSeconds(60));
        } catch (IOException e) {
            assumeTrue(false, "gcc is not installed: " + e.getMessage());
            return null;
        }
        assertEquals(0, r.exitCode(), r.describe());
        return lib;
    }

    private static void assertOneClearError(Path lib, String reason) throws Exception {
        ChildJvm.Result r = runChild(ChildJvm.classPath(), "-Ddev.zerocopy.library=" + lib);
        assertEquals(0, r.exitCode(), r.describe());
        assertEquals("false", r.value("available"), r.describe());
        assertEquals("java.lang.IllegalStateException: " + reason, r.value("cause"), r.describe());
        String error = "java.lang.UnsatisfiedLinkError: native-zerocopy is not available: " + reason;
        assertEquals(error, r.value("transfer"), "a transfer, even of 0 bytes, says why");
        assertEquals(error, r.value("transfer2"), "the second call reports the same error");
        assertEquals(error, r.value("fd"), "fd() says why too, not a bare JNI link error");
        assertTrue(r.stderr().isBlank(), "nothing on stderr: " + r.stderr());
    }
}
