package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.zerocopy.ShimBinding.Shim;
import dev.zerocopy.testkit.ChildJvm;
import dev.zerocopy.testkit.Libc;
import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;

/**
 * jnr-ffi 2.3.0 passes a wrong sixth argument to a C function whose six parameters are all numbers
 * (jnr/jnr-ffi#181, open since 2018): five work, seven work, six with a pointer among them work.
 * The shim's binding has no such method today; this keeps it so, and shows the bug is still there
 * in the jnr-ffi this project builds with (when that test fails, the bug is fixed and the rule may go).
 */
class BindingShapeTest {
    @TempDir
    Path dir;

    /** The C function the demonstration binds: it answers its sixth argument. */
    public interface SixNumbers {
        long sixth(int a, int b, long c, long d, int e, int f);

        long sixthOfSeven(int a, int b, long c, long d, int e, int f, int g);
    }

    @Test
    void noBindingMethodTakesSixNumbers() {
        List<String> offending = new ArrayList<>();
        for (Class<?> binding : List.of(Shim.class, Libc.Calls.class)) {
            for (Method m : binding.getMethods()) {
                Class<?>[] p = m.getParameterTypes();
                boolean allNumbers = true;
                for (Class<?> t : p) {
                    allNumbers &= t.isPrimitive();
                }
                if (p.length == 6 && allNumbers) {
                    offending.add(binding.getSimpleName() + "." + m.getName());
                }
            }
        }
        assertEquals(List.of(), offending, "six numeric parameters: jnr-ffi 2.3.0 corrupts the sixth (jnr/jnr-ffi#181); "
                + "pass a pointer or a struct, or split the call");
    }

    @Test
    void jnrFfiStillCorruptsASixthNumber() throws Exception {
        Path c = Files.writeString(dir.resolve("six.c"), "#include <stdint.h>\n"
                + "int64_t sixth(int a, int b, int64_t c, int64_t d, int e, int f) { return f; }\n"
                + "int64_t sixthOfSeven(int a, int b, int64_t c, int64_t d, int e, int f, int g) { return f; }\n");
        Path lib = dir.resolve("libsix.so");
        ChildJvm.Result r;
        try {
            r = ChildJvm.run(List.of("gcc", "-shared", "-fPIC", "-o", lib.toString(), c.toString()), Duration.ofSeconds(60));
        } catch (IOException e) {
            assumeTrue(false, "gcc is not installed: " + e.getMessage());
            return;
        }
        assertEquals(0, r.exitCode(), r.describe());
        SixNumbers six = LibraryLoader.create(SixNumbers.class).option(LibraryOption.IgnoreError, true).load(lib.toString());
        assertEquals(6, six.sixthOfSeven(1, 2, 3, 4, 5, 6, 7), "seven arguments arrive whole");
        boolean wrong = false;
        for (int f = 1; f <= 8 && !wrong; f++) {
            wrong = six.sixth(1, 2, 3, 4, 5, f) != f;
        }
        assertTrue(wrong, "jnr-ffi passed six numbers whole: jnr/jnr-ffi#181 is fixed in this version, "
                + "and noBindingMethodTakesSixNumbers may go");
    }
}
