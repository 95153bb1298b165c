package dev.zerocopy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import jnr.ffi.LibraryLoader;

/** What the kernel says about this process: open fds, mappings, and what a thread is blocked in. */
final class Proc {
    private Proc() {
    }

    /** libc functions the tests need and the shim does not wrap. */
    public interface LibC {
        int gettid();
    }

    private static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");

    /** The kernel thread id of the calling thread. */
    static int gettid() {
        return LIBC.gettid();
    }

    /** Number of open descriptors (entries of /proc/self/fd, less the one listing it). */
    static int fdCount() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return (int) s.count() - 1;
        }
    }

    /** Targets of all open descriptors, e.g. "pipe:[1234]". */
    static List<String> fdLinks() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.map(p -> {
                try {
                    return Files.readSymbolicLink(p).toString();
                } catch (IOException e) {
                    return "gone"; // the fd of the listing itself
                }
            }).filter(l -> !l.equals("gone")).toList();
        }
    }

    static long pipeCount() throws IOException {
        return fdLinks().stream().filter(l -> l.startsWith("pipe:[")).count();
    }

    /** Lines of /proc/self/maps, and those that map `file`. */
    static List<String> maps() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/maps"));
    }

    static long mapsOf(Path file) throws IOException {
        return maps().stream().filter(l -> l.endsWith(" " + file)).count();
    }

    /** The syscall number thread tid sleeps in (x86_64 numbering), or -1 if it runs or is in user space. */
    static int blockedSyscall(int tid) throws IOException {
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
    static final int SYS_WRITE = 1;
    static final int SYS_SENDFILE = 40;
    static final int SYS_SPLICE = 275;

    /** Waits until thread tid sleeps in write, sendfile or splice (a blocked transfer). */
    static void awaitBlockedInTransfer(int tid) throws Exception {
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
