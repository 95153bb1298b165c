package dev.zerocopy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.zerocopy.JarLoadIT;
import dev.zerocopy.LoadChild;
import dev.zerocopy.testkit.ChildJvm;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Run by failsafe after `mvn package`: the shaded CLI jar alone (jnr-ffi inside) loads the shim and transfers. */
class CliJarIT {
    @TempDir
    Path dir;

    @Test
    void loadsFromTheShadedJarAlone() throws Exception {
        Path jar = JarLoadIT.jar("zc.cliJar");
        ChildJvm.Result r = ChildJvm.run(ChildJvm.javaArgs(jar + File.pathSeparator + JarLoadIT.childOnly(dir), List.of(), LoadChild.class),
                Duration.ofSeconds(60));
        assertEquals("true", r.value("available"), r.stdout() + r.stderr());
        assertEquals("returned 0", r.value("transfer"));
    }
}
