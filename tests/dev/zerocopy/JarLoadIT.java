package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerocopy.testkit.ChildJvm;
import java.io.File;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Run by failsafe after `mvn package`: the jar carries libzerocopy.so at
 * META-INF/native/linux-x86_64/, and a JVM with nothing but the jar and jnr-ffi's dependencies on
 * its class path (plus the child's main class) loads it from there. The runnable tool jars (jnr-ffi shaded
 * in) are checked by their own modules' ITs.
 */
public class JarLoadIT {
    @TempDir
    Path dir;

    public static Path jar(String property) {
        Path jar = Path.of(System.getProperty(property)).toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(jar), jar + " was not built");
        return jar;
    }

    /** A directory holding only the child's main class, so no other test or main class is on the child's class path. */
    public static Path childOnly(Path dir) throws Exception {
        String name = LoadChild.class.getName().replace('.', '/') + ".class";
        Path target = dir.resolve("child").resolve(name);
        Files.createDirectories(target.getParent());
        try (InputStream in = LoadChild.class.getClassLoader().getResourceAsStream(name)) {
            Files.copy(in, target);
        }
        return dir.resolve("child");
    }

    /** jnr-ffi and what it depends on (jffi and its native jar, asm, jnr-x86asm, jnr-a64asm), from the test class path. */
    static List<String> jnrDependencies() {
        List<String> deps = new ArrayList<>();
        for (String entry : ChildJvm.classPathEntries()) {
            if (entry.contains("/com/github/jnr/") || entry.contains("/org/ow2/asm/")) {
                deps.add(entry);
            }
        }
        assertTrue(deps.stream().anyMatch(d -> d.contains("jnr-ffi")), "jnr-ffi not found on " + ChildJvm.classPath());
        return deps;
    }

    @Test
    void jarCarriesTheLibrary() throws Exception {
        try (JarFile jar = new JarFile(jar("zc.jar").toFile())) {
            ZipEntry lib = jar.getEntry("META-INF/native/linux-x86_64/libzerocopy.so");
            assertNotNull(lib, "libzerocopy.so missing from the jar");
            try (InputStream in = jar.getInputStream(lib)) {
                assertArrayEquals(new byte[] {0x7f, 'E', 'L', 'F'}, in.readNBytes(4), "not an ELF file");
            }
            assertEquals("ALL-UNNAMED", jar.getManifest().getMainAttributes().getValue("Enable-Native-Access"));
        }
    }

    /**
     * The artifact users depend on holds the library and nothing else: classes of package
     * dev.zerocopy only (no sub-package: the CLI, the lab and the examples have their own jars),
     * the shim, and Maven's metadata.
     */
    @Test
    void jarHoldsOnlyTheLibrary() throws Exception {
        List<String> classes = new ArrayList<>();
        List<String> foreign = new ArrayList<>();
        try (JarFile jar = new JarFile(jar("zc.jar").toFile())) {
            for (ZipEntry e : java.util.Collections.list(jar.entries())) {
                String name = e.getName();
                if (name.matches("dev/zerocopy/[A-Za-z0-9_$]+\\.class")) {
                    classes.add(name);
                } else if (!(e.isDirectory() && (name.equals("dev/") || name.equals("dev/zerocopy/") || name.startsWith("META-INF/"))
                        || name.equals("META-INF/MANIFEST.MF")
                        || name.equals("META-INF/native/linux-x86_64/libzerocopy.so")
                        || name.startsWith("META-INF/maven/dev.zerocopy/native-zerocopy/"))) {
                    foreign.add(name);
                }
            }
        }
        assertEquals(List.of(), foreign, "entries that are not the library");
        assertTrue(classes.contains("dev/zerocopy/NativeZeroCopy.class"), "library classes: " + classes);
        System.out.println("JarLoadIT: the library jar holds " + classes.size() + " classes of dev.zerocopy and the shim");
    }

    @Test
    void loadsFromTheJarWithOnlyJnrFfiBesideIt() throws Exception {
        Path jar = jar("zc.jar");
        List<String> cp = new ArrayList<>(List.of(jar.toString(), childOnly(dir).toString()));
        cp.addAll(jnrDependencies());
        ChildJvm.Result r = LibraryLoadingTest.runChild(String.join(File.pathSeparator, cp));
        assertEquals("true", r.value("available"), r.stdout() + r.stderr());
        assertEquals("returned 1", r.value("fd"));
        assertEquals(jar.toUri().toURL().toString(), r.value("classes"), "the classes came from the jar");
        assertEquals("jar:file:" + jar + "!" + NativeLibrary.RESOURCE, r.value("resource"), "the library came from the jar: " + r.value("resource"));
    }
}
