package dev.zerocopy.hazards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.zerocopy.LoadChild;
import dev.zerocopy.testkit.ChildJvm;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HAZARDS 14 (docs/HAZARDS.md): JDK versions. The suite runs on JDK 17 and Temurin 25 (.ci/run); these tests pin
 * what a user of either sees. With {@code --enable-native-access=ALL-UNNAMED} (or the jar's
 * Enable-Native-Access manifest entry under java -jar) loading the library prints nothing;
 * without it JDK 22+ prints the restricted-method warning for System.load. A java.io.tmpdir
 * mounted noexec breaks extraction with a message naming the property that fixes it, and the
 * documented properties make it work.
 */
class JdkVersionsTest {
    @TempDir
    Path dir;

    @Test
    void noWarningWithEnableNativeAccess() throws Exception {
        ChildJvm.Result r = child(true, List.of());
        assertEquals("true", r.value("available"), r.describe());
        assertTrue(r.stderr().isBlank(), "JVM warnings: " + r.stderr());
    }

    /** What the flag and the manifest entry are for: JDK 22+ warns on System.load without them (JEP 472). */
    @Test
    void restrictedMethodWarningWithoutTheFlag() throws Exception {
        ChildJvm.Result r = child(false, List.of());
        assertEquals("true", r.value("available"), r.describe());
        if (Runtime.version().feature() >= 22) {
            assertTrue(r.stderr().contains("WARNING: A restricted method in java.lang.System has been called"), r.describe());
            assertTrue(r.stderr().contains("--enable-native-access=ALL-UNNAMED"), r.describe());
        } else {
            assertTrue(r.stderr().isBlank(), "JDK " + Runtime.version() + " warned: " + r.stderr());
        }
        assertTrue(!r.stderr().contains("sun.misc.Unsafe"), "jffi must not use sun.misc.Unsafe here: " + r.stderr());
    }

    /**
     * The way users run an application jar: {@code java -jar app.jar} whose manifest carries
     * {@code Enable-Native-Access: ALL-UNNAMED} (as this project's jars do) prints no warning,
     * without any flag on the command line.
     */
    @Test
    void manifestEnableNativeAccessUnderJavaJar() throws Exception {
        Manifest mf = new Manifest();
        Attributes a = mf.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.put(Attributes.Name.MAIN_CLASS, LoadChild.class.getName());
        a.putValue("Enable-Native-Access", "ALL-UNNAMED");
        StringBuilder cp = new StringBuilder();
        for (String e : ChildJvm.classPath().split(File.pathSeparator)) {
            cp.append(Path.of(e).toUri()).append(' '); // absolute file: URLs, directories ending in '/'
        }
        a.put(Attributes.Name.CLASS_PATH, cp.toString().trim());
        Path jar = dir.resolve("app.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), mf)) {
            out.finish();
        }
        ChildJvm.Result r = ChildJvm.run(List.of(ChildJvm.javaCommand(), "-jar", jar.toString()), Duration.ofSeconds(60));
        assertEquals("true", r.value("available"), r.describe());
        assertTrue(r.stderr().isBlank(), "JVM warnings under java -jar: " + r.stderr());
    }

    /**
     * java.io.tmpdir on a noexec tmpfs (in a mount namespace of the test's own): the library
     * cannot be mapped from there and the cause names -Ddev.zerocopy.extractDir; with that
     * property pointing elsewhere the library loads (jffi 1.4.0 copes with the noexec tmpdir by
     * itself on this machine; -Djffi.extract.dir is its own knob if it does not).
     */
    @Test
    void noexecTmpdir() throws Exception {
        Path noexec = Files.createDirectory(dir.resolve("noexec"));
        Path exec = Files.createDirectory(dir.resolve("exec"));
        List<String> tmp = List.of("-Djava.io.tmpdir=" + noexec);
        ChildJvm.Result broken = inNoexecNamespace(noexec, tmp);
        assertEquals("false", broken.value("available"), broken.describe());
        assertTrue(broken.value("cause").contains("-Ddev.zerocopy.extractDir"), broken.describe());

        List<String> fixed = new ArrayList<>(tmp);
        fixed.add("-Ddev.zerocopy.extractDir=" + exec);
        ChildJvm.Result ok = inNoexecNamespace(noexec, fixed);
        assertEquals("true", ok.value("available"), ok.describe());
    }

    private static ChildJvm.Result inNoexecNamespace(Path mountPoint, List<String> flags) throws Exception {
        StringBuilder java = new StringBuilder("exec");
        for (String a : ChildJvm.javaArgs(flags, LoadChild.class)) {
            java.append(" '").append(a.replace("'", "'\\''")).append('\'');
        }
        String script = "mount -t tmpfs -o noexec,size=64m tmpfs '" + mountPoint + "' && " + java;
        ChildJvm.Result r;
        try {
            r = ChildJvm.run(List.of("unshare", "--mount", "--propagation", "private", "sh", "-c", script), Duration.ofSeconds(60));
        } catch (IOException e) {
            assumeTrue(false, "unshare is not installed: " + e.getMessage());
            return null;
        }
        assumeTrue(!r.stderr().contains("unshare failed") && !r.stderr().contains("mount:"),
                "cannot make a mount namespace here: " + r.stderr());
        return r;
    }

    private static ChildJvm.Result child(boolean enableNativeAccess, List<String> flags) throws Exception {
        List<String> cmd = ChildJvm.javaArgs(flags, LoadChild.class);
        if (!enableNativeAccess) {
            cmd.remove("--enable-native-access=ALL-UNNAMED");
        }
        return ChildJvm.run(cmd, Duration.ofSeconds(60));
    }
}
