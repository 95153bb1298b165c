package dev.zerocopy.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.IntSupplier;
import java.util.stream.Stream;

/** What the kernel says about this process: open fds, mappings, RSS, and what a thread is blocked in. */
public final class Proc {
    private Proc() {
    }

    /** The kernel thread id of the calling thread. */
    public static int gettid() {
        return Libc.LIBC.gettid();
    }

    /** Number of open descriptors (entries of /proc/self/fd, less the one listing it). */
    public static int fdCount() {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return (int) s.count() - 1;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Number of descriptors of this process open on {@code file}: unlike {@link #fdCount()}, not
     * moved by other threads (of earlier test classes too) that close unrelated descriptors meanwhile.
     */
    public static int fdsOf(Path file) {
        Path target;
        try {
            target = file.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int n = 0;
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            for (Path p : s.toList()) {
                try {
                    if (Files.readSymbolicLink(p).equals(target)) {
                        n++;
                    }
                } catch (IOException e) {
                    // closed meanwhile, or the listing's own fd
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return n;
    }

    /**
     * Asserts that a count (descriptors, pipes) did not grow past {@code before}, polling up to 5 s:
     * threads that ended (in other test classes too) close their pipes asynchronously, so a
     * count may drop meanwhile, while a leak makes it grow.
     */
    public static void assertNoGrowth(String what, int before, IntSupplier now) {
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

    /**
     * The pipe ends open in this process, as "fd=pipe:[inode]": keyed by inode too, so a pipe that
     * reuses the number of one just closed (by a thread of an earlier test class) counts as new.
     */
    public static Set<String> pipeFds() {
        Set<String> pipes = new HashSet<>();
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            for (Path p : s.toList()) {
                try {
                    String link = Files.readSymbolicLink(p).toString();
                    if (link.startsWith("pipe:")) {
                        pipes.add(p.getFileName() + "=" + link);
                    }
                } catch (IOException e) {
                    // closed meanwhile, or the listing's own fd
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return pipes;
    }

    /** Lines of /proc/self/maps, and those that map `file`. */
    public static List<String> maps() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/maps"));
    }

    public static long mapsOf(Path file) throws IOException {
        return maps().stream().filter(l -> l.endsWith(" " + file)).count();
    }

    /** Number of lines of /proc/self/maps, all of them (dir null) or those naming a path under {@code dir}. */
    public static int mapsLines(Path dir) {
        try {
            List<String> lines = maps();
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
    public static long rssKiB() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("VmRSS:")) {
                    return Long.parseLong(l.replaceAll("[^0-9]", ""));
                }
            }
            throw new IllegalStateException("no VmRSS");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The syscall number thread tid sleeps in (x86_64 numbering), or -1 if it runs or is in user space. */
    public static int blockedSyscall(int tid) throws IOException {
        String stat = Files.readString(Path.of("/proc/self/task/" + tid + "/stat"));
        char state = stat.charAt(stat.lastIndexOf(')') + 2);
        String[] sys = Files.readString(Path.of("/proc/self/task/" + tid + "/syscall")).trim().split(" ");
        if (state != 'S' && state != 'D') {
            return -1;
        }
        try {
            return Integer.parseInt(sys[0]);
        } catch (NumberFormatException e) {
            return -1; // "running"
        }
    }

    /** x86_64 syscall numbers of the calls a transfer can block in while writing. */
    public static final int SYS_WRITE = 1;
    public static final int SYS_SENDFILE = 40;
    public static final int SYS_SPLICE = 275;

    /** Waits until thread tid sleeps in write, sendfile or splice (a blocked transfer). */
    public static void awaitBlockedInTransfer(int tid) throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            int sys = blockedSyscall(tid);
            if (sys == SYS_WRITE || sys == SYS_SENDFILE || sys == SYS_SPLICE) {
                return;
            }
            Thread.sleep(1);
        }
        throw new AssertionError("thread " + tid + " did not block in a transfer");
    }
}
