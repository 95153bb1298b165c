package dev.zerocopy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;


import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;

import dev.zerocopy.ShimBinding.Shim;

/**
 * Loads libzerocopy.so once, by absolute path, from a private directory: the copy
 * bundled in the jar, or the file named by the system property {@value #LIBRARY_PROPERTY}.
 * A failure is kept and reported by {@link NativeZeroCopy#isAvailable()} and
 * {@link NativeZeroCopy#unavailabilityCause()}, and as one clear error on first use.
 */
final class NativeLibrary {
    /** System property: absolute path of a libzerocopy.so to load instead of the bundled one. */
    static final String LIBRARY_PROPERTY = "dev.zerocopy.library";
    /** System property: where to extract the bundled library (when java.io.tmpdir is mounted noexec). */
    static final String EXTRACT_DIR_PROPERTY = "dev.zerocopy.extractDir";
    /**
     * System property: bytes the splice pipes are grown to (default 1 MiB; the kernel rounds up to
     * a power-of-two number of pages). Grown only while the library's pipes stay within a quarter
     * of fs.pipe-user-pages-soft; 0 or less keeps the kernel's default (64 KiB).
     */
    static final String PIPE_SIZE_PROPERTY = "dev.zerocopy.pipeSize";
    static final int DEFAULT_PIPE_SIZE = 1 << 20;
    static final String RESOURCE = "/META-INF/native/linux-x86_64/libzerocopy.so";
    /** Must equal zc_abi_version() in native/zc_state.c. */
    static final int ABI_VERSION = 2;

    private static final Shim SHIM;
    private static final Throwable CAUSE;
    /** The shim's "would block before the first byte" result (Shim#zc_would_block_result); never a count. */
    static final long WOULD_BLOCK;

    static {
        Shim shim = null;
        Throwable cause = null;
        // Loading reads and writes files through NIO channels (the jar's resources, jnr-ffi's
        // provider), which an interrupted thread's first I/O closes with ClosedByInterruptException:
        // the first use on an interrupted thread would leave the library unavailable for the whole
        // process. The status is put back for the caller's own code to see.
        boolean interrupted = Thread.interrupted();
        try {
            shim = load();
            shim.zc_pipe_configure(Integer.getInteger(PIPE_SIZE_PROPERTY, DEFAULT_PIPE_SIZE));
        } catch (Throwable t) {
            shim = null;
            cause = t;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        SHIM = shim;
        CAUSE = cause;
        WOULD_BLOCK = shim != null ? shim.zc_would_block_result() : Long.MIN_VALUE;
    }

    private NativeLibrary() {
    }

    /** The bound shim; throws UnsatisfiedLinkError, with the reason, when it could not be loaded. */
    static Shim shim() {
        if (SHIM == null) {
            throw unavailable();
        }
        return SHIM;
    }

    static Throwable cause() {
        return CAUSE;
    }

    static UnsatisfiedLinkError unavailable() {
        UnsatisfiedLinkError e = new UnsatisfiedLinkError("native-zerocopy is not available: " + CAUSE.getMessage());
        e.initCause(CAUSE);
        return e;
    }

    private static Shim load() throws IOException {
        String os = System.getProperty("os.name", "");
        String arch = System.getProperty("os.arch", "");
        if (!os.toLowerCase(Locale.ROOT).startsWith("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            throw new UnsupportedOperationException(
                    "it supports Linux x86_64 only, and this JVM runs on " + os + "/" + arch);
        }
        String override = System.getProperty(LIBRARY_PROPERTY);
        if (override != null) {
            return bind(Paths.get(override).toAbsolutePath());
        }
        Path dir = createPrivateDir();
        Path lib = dir.resolve("libzerocopy.so");
        try {
            try (InputStream in = NativeLibrary.class.getResourceAsStream(RESOURCE)) {
                if (in == null) {
                    throw new IOException(RESOURCE + " is missing from the class path (was the jar built by mvn package?)");
                }
                Files.copy(in, lib, StandardCopyOption.REPLACE_EXISTING);
            }
            return bind(lib);
        } finally {
            // Once mapped, the file is no longer needed; nothing is left behind in the temp dir.
            Files.deleteIfExists(lib);
            Files.deleteIfExists(dir);
        }
    }

    private static Path createPrivateDir() throws IOException {
        Path base = Paths.get(System.getProperty(EXTRACT_DIR_PROPERTY, System.getProperty("java.io.tmpdir")));
        return Files.createTempDirectory(base, "native-zerocopy-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }

    /**
     * Refuses a file that is not an ELF object before dlopen sees it: HotSpot would otherwise print
     * a stack-guard warning and a message repeating the path.
     */
    private static void requireElf(Path lib) {
        byte[] magic = new byte[4];
        try (InputStream in = Files.newInputStream(lib)) {
            if (in.readNBytes(magic, 0, 4) != 4 || magic[0] != 0x7f || magic[1] != 'E' || magic[2] != 'L' || magic[3] != 'F') {
                throw new IllegalStateException("cannot load " + lib + ": not an ELF shared library");
            }
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalStateException("cannot load " + lib + ": no such file", e);
        } catch (IOException e) {
            throw new IllegalStateException("cannot load " + lib + ": " + e.getMessage(), e);
        }
    }

    private static Shim bind(Path lib) {
        String path = lib.toString();
        requireElf(lib);
        try {
            // System.load binds the JNI functions of FdAccess; jnr-ffi then dlopens the same file.
            System.load(path);
        } catch (UnsatisfiedLinkError e) {
            String hint = e.getMessage() != null && e.getMessage().contains("failed to map segment")
                    ? " (is the directory mounted noexec? set -D" + EXTRACT_DIR_PROPERTY + "=<dir>)" : "";
            throw new IllegalStateException("cannot load " + path + ": " + e.getMessage() + hint, e);
        }
        Shim shim;
        try {
            shim = LibraryLoader.create(Shim.class)
                    .option(LibraryOption.IgnoreError, true)
                    .failImmediately()
                    .load(path);
        } catch (RuntimeException | LinkageError e) {
            throw new IllegalStateException(path + " is not a native-zerocopy shim: " + e.getMessage(), e);
        }
        int abi;
        try {
            abi = shim.zc_abi_version();
        } catch (LinkageError e) {
            // jnr-ffi binds symbols lazily: a library without them loads, then its stubs throw
            // UnsatisfiedLinkError("unknown"). Name the real reason instead.
            throw new IllegalStateException(path + " is not a native-zerocopy shim: it has no zc_abi_version symbol", e);
        }
        if (abi != ABI_VERSION) {
            throw new IllegalStateException(path + " has ABI version " + abi + ", this jar needs " + ABI_VERSION);
        }
        // The same for every other symbol of the binding (failImmediately() looks none up in
        // jnr-ffi 2.3.0, and the JVM links a JNI method at its first call): a library that lacks
        // one is refused now, not at its first call.
        com.kenai.jffi.Library handle = com.kenai.jffi.Library.getCachedInstance(path, com.kenai.jffi.Library.LAZY);
        for (String symbol : requiredSymbols()) {
            if (handle == null || handle.getSymbolAddress(symbol) == 0) {
                throw new IllegalStateException(path + " is not a native-zerocopy shim: it has no " + symbol + " symbol");
            }
        }
        return shim;
    }

    /**
     * The C symbols this jar calls: the jnr-ffi binding's, then the JNI functions of
     * {@link FdAccess} (their names need no JNI escapes: no '_' in them).
     */
    static List<String> requiredSymbols() {
        List<String> symbols = new ArrayList<>();
        for (java.lang.reflect.Method m : Shim.class.getMethods()) {
            symbols.add(m.getName());
        }
        for (java.lang.reflect.Method m : FdAccess.class.getDeclaredMethods()) {
            if (java.lang.reflect.Modifier.isNative(m.getModifiers())) {
                symbols.add("Java_dev_zerocopy_FdAccess_" + m.getName());
            }
        }
        return symbols;
    }

}
