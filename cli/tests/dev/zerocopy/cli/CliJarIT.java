package dev.zerocopy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.zerocopy.JarLoadIT;
import dev.zerocopy.LoadingTest;
import dev.zerocopy.testkit.ChildJvm;
import java.io.File;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Run by failsafe after `mvn package`: the shaded CLI jar alone (jnr-ffi inside) loads the shim and transfers. */
class CliJarIT {
    @TempDir
    Path dir;

    @Test
    void loadsFromTheShadedJarAlone() throws Exception {
        Path jar = JarLoadIT.jar("zc.cliJar");
        ChildJvm.Result r = LoadingTest.runChild(jar + File.pathSeparator + JarLoadIT.probeOnly(dir));
        assertEquals("true", r.value("available"), r.stdout() + r.stderr());
        assertEquals("returned 0", r.value("transfer"));
    }
}
