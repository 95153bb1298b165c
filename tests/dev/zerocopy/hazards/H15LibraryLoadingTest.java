package dev.zerocopy.hazards;

import static org.junit.jupiter.api.Assertions.assertEquals;
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


/**
 * HAZARDS 15: the shim is loaded by absolute path, and a missing or wrong library gives one
 * clear error: isAvailable() is false, unavailabilityCause() says what is wrong with which file,
 * and every call throws the same UnsatisfiedLinkError naming it (not a NullPointerException, not
 * a NoClassDefFoundError on the second call). Each case runs in a child JVM, since the library
 * is loaded once per JVM. The libraries are built here with gcc.
 */
class H15LibraryLoadingTest {
    @TempDir
    Path dir;

    @Test
    void missingLibrary() throws Exception {
        Path lib = dir.resolve("nowhere/libzerocopy.so");
        assertOneClearError(lib, "cannot load " + lib);
    }

    @Test
    void notAnElfFile() throws Exception {
        Path lib = Files.writeString(dir.resolve("libzerocopy.so"), "not a shared object\n".repeat(20));
        assertOneClearError(lib, "cannot load " + lib);
        assertOneClearError(lib, "not an ELF shared library");
    }

    /** A real shared object with the right name but none of the shim's symbols. */
    @Test
    void unrelatedLibraryWithTheRightName() throws Exception {
        Path lib = compile("int something_else(void) { return 42; }\n");
        assertOneClearError(lib, lib + " is not a native-zerocopy shim: it has no zc_abi_version symbol");
    }

    /** Every symbol the binding needs is there, but the library reports another ABI version. */
    @Test
    void rightSymbolsWrongAbiVersion() throws Exception {
        Path lib = compile(stubs(999, null));
        assertOneClearError(lib, lib + " has ABI version 999, this jar needs 2");
    }

    /** The right ABI version, one symbol missing: named at load, not as "unknown" at the first splice. */
    @Test
    void rightAbiVersionMissingSymbol() throws Exception {
        Path lib = compile(stubs(2, "zc_splice"));
        assertOneClearError(lib, lib + " is not a native-zerocopy shim: it has no zc_splice symbol");
    }

    /** The jnr-ffi binding interface (package-private in dev.zerocopy: not part of the public API). */
    private static Class<?> shimBinding() {
        try {
            return Class.forName("dev.zerocopy.ShimBinding$Shim");
        } catch (ClassNotFoundException e) {
            throw new AssertionError(e);
        }
    }

    /** C stubs for every method of the binding, zc_abi_version answering abi, except the one left out. */
    private static String stubs(int abi, String leftOut) {
        StringBuilder c = new StringBuilder("#include <stdint.h>\n");
        for (Method m : shimBinding().getMethods()) {
            String name = m.getName();
            if (name.equals(leftOut)) {
                continue;
            }
            if (name.equals("zc_abi_version")) {
                c.append("int zc_abi_version(void) { return ").append(abi).append("; }\n");
            } else if (m.getReturnType() == String.class) {
                c.append("const char *").append(name).append("(void) { return \"stub\"; }\n");
            } else {
                c.append("int64_t ").append(name).append("(void) { return -38; }\n");
            }
        }
        return c.toString();
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
        ChildJvm.Result r = ChildJvm.run(
                ChildJvm.javaArgs(List.of("-Ddev.zerocopy.library=" + lib), HazardChild.class, "load"), Duration.ofSeconds(60));
        assertEquals(0, r.exitCode(), r.describe());
        assertEquals("false", r.value("available"), r.describe());
        assertTrue(r.value("cause").contains(reason), "cause: " + r.value("cause"));
        String expected = "java.lang.UnsatisfiedLinkError: native-zerocopy is not available: ";
        assertTrue(r.value("call1").startsWith(expected) && r.value("call1").contains(reason), "first call: " + r.value("call1"));
        assertEquals(r.value("call1"), r.value("call2"), "the second call reports the same error");
        // Nothing on stderr: a file that is not ELF is refused before dlopen, so HotSpot's
        // "might have disabled stack guard" warning (os_linux.cpp) never appears either.
        assertTrue(r.stderr().isBlank(), "nothing on stderr: " + r.stderr());
    }
}
