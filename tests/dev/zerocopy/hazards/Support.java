package dev.zerocopy.hazards;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import jnr.ffi.LibraryLoader;

/** Shared helpers of the hazard tests: libc calls the JDK does not offer, /proc counters, child JVMs. */
final class Support {
    private Support() {
    }

    /**
     * The few libc calls the tests need raw (pipe2, close, open, fcntl, socketpair, setsockopt).
     * Constants are the Linux x86_64 values: the library supports only Linux x86_64.
     */
    public interface LibC {
        int O_RDONLY = 0;
        int O_WRONLY = 1;
        int O_RDWR = 2;
        int O_CREAT = 0100;
        int O_TRUNC = 01000;
        int O_APPEND = 02000;
        int O_NONBLOCK = 04000;
        int O_CLOEXEC = 02000000;
        int F_GETFL = 3;
        int F_SETFL = 4;
        int F_SETPIPE_SZ = 1031;
        int F_GETPIPE_SZ = 1032;
        int AF_UNIX = 1;
        int SOCK_STREAM = 1;
        int SOCK_CLOEXEC = 02000000;
        int SOL_SOCKET = 1;
        int SO_SNDBUF = 7;
        int SO_RCVBUF = 8;
        int SO_LINGER = 13;

        int pipe2(int[] fds, int flags);

        int close(int fd);

        int open(String path, int flags, int mode);

        int fcntl(int fd, int cmd, int arg);

        int socketpair(int domain, int type, int protocol, int[] sv);

        int setsockopt(int fd, int level, int name, int[] value, int len);

        long read(int fd, byte[] buf, long count);

        long write(int fd, byte[] buf, long count);

        int ftruncate(int fd, long length);
    }

    static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");

    /**
     * Threads of the tests' pools are daemons: if a transfer ever hung in native code (the thread
     * cannot be stopped), the test fails on its timeout and the JVM can still exit.
     */
    static final ThreadFactory DAEMON = r -> {
        Thread t = new Thread(r, "hazard-test");
        t.setDaemon(true);
        return t;
    };

    /** A pair of fds from pipe2(O_CLOEXEC) or socketpair, closed by the test. */
    static int[] pipe() {
        int[] fds = new int[2];
        check(LIBC.pipe2(fds, LibC.O_CLOEXEC), "pipe2");
        return fds;
    }

    static int[] socketPair() {
        int[] fds = new int[2];
        check(LIBC.socketpair(LibC.AF_UNIX, LibC.SOCK_STREAM | LibC.SOCK_CLOEXEC, 0, fds), "socketpair");
        return fds;
    }

    static void setNonBlocking(int fd) {
        int flags = LIBC.fcntl(fd, LibC.F_GETFL, 0);
        check(flags, "fcntl(F_GETFL)");
        check(LIBC.fcntl(fd, LibC.F_SETFL, flags | LibC.O_NONBLOCK), "fcntl(F_SETFL)");
    }

    static void closeQuietly(int... fds) {
        for (int fd : fds) {
            if (fd >= 0) {
                LIBC.close(fd);
            }
        }
    }

    static int check(int rc, String what) {
        if (rc < 0) {
            throw new IllegalStateException(what + " failed");
        }
        return rc;
    }

    /** Open descriptors of this process, from /proc/self/fd. */
    static int fdCount() {
        try (Stream<Path> s = Files.list(Paths.get("/proc/self/fd"))) {
            return (int) s.count() - 1; // the directory stream's own fd
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Asserts that a count (descriptors, pipes) did not grow past {@code before}, polling up to 5 s:
     * threads that ended (in other test classes too) close their pipes asynchronously, so a
     * count may drop meanwhile, while a leak makes it grow.
     */
    static void assertNoGrowth(String what, int before, java.util.function.IntSupplier now) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        int n = now.getAsInt();
        while (n > before && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            n = now.getAsInt();
        }
        if (n > before) {
            throw new AssertionError(what + " grew from " + before + " to " + n);
        }
    }

    /** Lines of /proc/self/maps, all of them or those naming a path under {@code dir}. */
    static int mapsLines(Path dir) {
        try {
            List<String> lines = Files.readAllLines(Paths.get("/proc/self/maps"));
            if (dir == null) {
                return lines.size();
            }
            String d = dir.toString();
            return (int) lines.stream().filter(l -> l.contains(d)).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Resident memory of this process in KiB, from /proc/self/status. */
    static long rssKiB() {
        try {
            for (String l : Files.readAllLines(Paths.get("/proc/self/status"))) {
                if (l.startsWith("VmRSS:")) {
                    return Long.parseLong(l.replaceAll("[^0-9]", ""));
                }
            }
            throw new IllegalStateException("no VmRSS");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /**
     * A sparse file of {@code size} bytes: random bytes in the first and last {@code edge} bytes,
     * a hole in between. Returns the tail bytes written.
     */
    static byte[][] sparseFile(Path file, long size, int edge, long seed) throws IOException {
        byte[] head = randomBytes(edge, seed);
        byte[] tail = randomBytes(edge, seed + 1);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            writeFully(ch, ByteBuffer.wrap(head), 0);
            writeFully(ch, ByteBuffer.wrap(tail), size - edge);
        }
        assertEquals(size, Files.size(file));
        return new byte[][] {head, tail};
    }

    static void writeFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            pos += ch.write(b, pos);
        }
    }

    static String sha256(byte[] data, int off, int len) {
        MessageDigest md = sha256();
        md.update(data, off, len);
        return HexFormat.of().formatHex(md.digest());
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What a child process printed and how it ended. */
    record ChildResult(int exitCode, String stdout, String stderr) {
        String describe() {
            return "exit " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
        }

        /** The value of the last stdout line of the form key=value. */
        String value(String key) {
            String found = null;
            for (String l : stdout.split("\n")) {
                if (l.startsWith(key + "=")) {
                    found = l.substring(key.length() + 1).trim();
                }
            }
            return found;
        }
    }

    /** The java launcher running this test JVM, so a child runs on the same JDK (17 or 25). */
    static String javaCommand() {
        return ProcessHandle.current().info().command().orElse(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    }

    /** The test class path (surefire passes the real one in surefire.test.class.path). */
    static String classPath() {
        return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    }

    /** The command line of a child JVM running {@code main} with the test class path. */
    static List<String> javaArgs(List<String> jvmFlags, Class<?> main, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaCommand());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-XX:-UsePerfData"); // no hsperfdata file: a child under ulimit -f must not write one
        cmd.addAll(jvmFlags);
        cmd.add("-cp");
        cmd.add(classPath());
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        return cmd;
    }

    /**
     * Runs a command, collecting its output; on timeout ends it and its descendants by their own
     * pids (strace's tracee included) and fails.
     */
    static ChildResult run(List<String> command, Duration timeout) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> slurp(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> slurp(p.getErrorStream()));
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("timed out after " + timeout + ": " + command + "\n" + out.getNow("") + err.getNow(""));
        }
        return new ChildResult(p.exitValue(), out.join(), err.join());
    }

    private static String slurp(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "<" + e + ">";
        }
    }
}
