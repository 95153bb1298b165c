package dev.zerocopy.hazards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerocopy.ErrnoException;
import dev.zerocopy.Fds;
import dev.zerocopy.NativeZeroCopy;
import dev.zerocopy.TransferMethod;
import dev.zerocopy.testkit.Libc;
import dev.zerocopy.testkit.Loopback;
import dev.zerocopy.testkit.Methods;
import dev.zerocopy.testkit.Proc;
import dev.zerocopy.testkit.Sources;
import dev.zerocopy.testkit.Targets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HAZARDS 6 and 10 (docs/HAZARDS.md): nothing the library makes outlives its use. Every mmap
 * window is unmapped and every descriptor it makes is closed on every path, failures included (a
 * leak would exhaust vm.max_map_count or the fd limit of a server that runs for months). Each
 * thread's splice pipe is made with pipe2(O_CLOEXEC), sized, replaced when a failed or blocked
 * write leaves bytes in it, and closed when the thread ends.
 */
class LeakTest {
    @TempDir
    Path dir;

    /**
     * About 125k transfers through every method on one thread: successes into a drained pipe, a
     * file and /dev/null (random offsets and lengths, mmap windows not page aligned); EAGAIN from a
     * full non-blocking pipe; EPIPE; EBADF on either side; the forced failures of {@link Failures}
     * (among them mmap+write failing after the mapping was made); splices that leave bytes in the
     * library's pipe; loopback peers that reset mid-transfer. Afterwards /proc/self/fd, the pipes
     * among them and /proc/self/maps are as they were, and no window of the source is mapped.
     */
    @Test
    void transfersOfEveryKindLeaveDescriptorsPipesAndMappingsUnchanged() throws Exception {
        Path src = Sources.random(dir, "src", 10 << 20, 31);
        int[] full = Libc.pipe(); // non-blocking and never read: fills, then EAGAIN forever
        Libc.setNonBlocking(full[1]);
        while (Libc.LIBC.write(full[1], new byte[65536], 65536) > 0) {
            // fill it
        }
        int[] broken = Libc.pipe();
        Libc.closeQuietly(broken[0]); // no reader: EPIPE (HotSpot ignores SIGPIPE)
        try (Failures f = new Failures(dir, src);
             Targets.Target pipe = Targets.open(Targets.Kind.PIPE, dir);
             Targets.Target file = Targets.open(Targets.Kind.FILE, dir)) {
            Ops ops = new Ops(f, pipe.fd(), file.fd(), full[1], broken[1], Methods.notOpen());
            // Warm up: the thread's pipe and buffer exist from here on; JIT and class loading done.
            ops.everyOutcomeOnce();
            ops.random(2_000, new Random(1));
            ops.splices(200);
            int fds = Proc.fdCount();
            int pipes = Proc.pipeFds().size();
            int maps = Proc.mapsLines(null);
            Random rnd = new Random(2);
            int total = 0;
            for (int round = 0; round < 10; round++) {
                for (int i = 0; i < 20; i++) {
                    total += ops.everyOutcomeOnce();
                }
                total += ops.random(10_000, rnd);
                total += ops.splices(1_000);
                total += ops.eagainAndEpipe(200);
                assertEquals(0, Proc.mapsOf(src), "a window of the source outlived its transfer");
            }
            assertTrue(total > 120_000, "transfers: " + total);
            Proc.assertNoGrowth("open descriptors after " + total + " transfers", fds, Proc::fdCount);
            Proc.assertNoGrowth("pipes after " + total + " transfers", pipes, () -> Proc.pipeFds().size());
            int after = Proc.mapsLines(null);
            System.out.printf("LeakTest: maps lines %d before, %d after %d transfers; fds %d%n", maps, after, total, fds);
            // The JVM maps a few areas of its own meanwhile (code cache, GC); a leaked window per
            // mmap+write call would be thousands.
            assertTrue(after - maps < 16, "maps lines grew from " + maps + " to " + after);
            assertTrue(pipe.finish().count() > 0);
        } finally {
            Libc.closeQuietly(full[0], full[1], broken[1]);
        }
    }

    /** The transfers of the test above, each kind returning how many it made. */
    private record Ops(Failures f, int pipe, int file, int full, int broken, int bad) {
        /** Each stream method: success, EAGAIN, EPIPE, EBADF out and in; copy_file_range: success, EINVAL, EBADF. */
        int everyOutcomeOnce() throws Exception {
            int n = 0;
            for (TransferMethod m : Methods.streamMethods().toList()) {
                // 9 MiB from 1 MiB - 1: two mmap windows, one not page aligned; several pipe loads.
                assertEquals(9 << 20, NativeZeroCopy.transfer(m, f.src, pipe, (1 << 20) - 1, 9 << 20));
                assertEquals(0, NativeZeroCopy.transfer(m, f.src, full, 0, 1 << 20), "a full non-blocking pipe takes nothing");
                assertEquals("EPIPE", assertThrows(ErrnoException.class, () -> NativeZeroCopy.transfer(m, f.src, broken, 0, 1 << 20)).errnoName());
                assertEquals("EBADF", assertThrows(ErrnoException.class, () -> NativeZeroCopy.transfer(m, f.src, bad, 0, 1 << 20)).errnoName());
                assertEquals("EBADF", assertThrows(ErrnoException.class, () -> NativeZeroCopy.transfer(m, bad, pipe, 0, 1 << 20)).errnoName());
                n += 5;
            }
            assertEquals(65536, NativeZeroCopy.copyFileRange(f.src, file, 4095, 65536));
            assertEquals("EINVAL", assertThrows(ErrnoException.class, () -> NativeZeroCopy.copyFileRange(f.src, pipe, 0, 1 << 20)).errnoName());
            assertEquals("EBADF", assertThrows(ErrnoException.class, () -> NativeZeroCopy.copyFileRange(bad, file, 0, 1 << 20)).errnoName());
            return n + 3;
        }

        /** n transfers: two in three succeed to /dev/null at a random offset and length, one in three is a forced failure. */
        int random(int n, Random rnd) throws Exception {
            TransferMethod[] toNull = {TransferMethod.READ_WRITE, TransferMethod.MMAP_WRITE, TransferMethod.SENDFILE, TransferMethod.SPLICE};
            int size = 10 << 20;
            for (int i = 0; i < n; i++) {
                if (i % 3 == 2) {
                    f.cases.get(rnd.nextInt(f.cases.size())).assertFails();
                } else {
                    TransferMethod m = toNull[rnd.nextInt(toNull.length)];
                    int off = rnd.nextInt(size);
                    int len = 1 + rnd.nextInt(64 * 1024);
                    assertEquals(Math.min(len, size - off), NativeZeroCopy.transfer(m, f.src, f.devNull, off, len));
                }
            }
            return n;
        }

        /** n splices: to /dev/null, into the full pipe (bytes left in the library's pipe, which is replaced), EPIPE; and reset peers. */
        int splices(int n) throws Exception {
            int done = 0;
            while (done < n) {
                for (int i = 0; i < 97 && done < n; i++, done++) {
                    switch (i % 3) {
                        case 0 -> assertEquals(4096, NativeZeroCopy.splice(f.src, f.devNull, i * 4096L, 4096));
                        case 1 -> assertTrue(NativeZeroCopy.splice(f.src, full, 0, 65536) >= 0);
                        default -> assertEquals("EPIPE",
                                assertThrows(ErrnoException.class, () -> NativeZeroCopy.splice(f.src, broken, 0, 65536)).errnoName());
                    }
                }
                done += resetMidTransfer();
            }
            return done;
        }

        /** The cheap failing calls many times: EAGAIN and EPIPE through every stream method. */
        int eagainAndEpipe(int n) throws Exception {
            for (int i = 0; i < n; i++) {
                for (TransferMethod m : Methods.streamMethods().toList()) {
                    assertEquals(0, NativeZeroCopy.transfer(m, f.src, full, 4096, 1 << 20));
                    assertThrows(ErrnoException.class, () -> NativeZeroCopy.transfer(m, f.src, broken, 0, 1 << 20));
                }
            }
            return n * 8;
        }

        /**
         * A loopback connection whose receiver never reads fills up; the receiver then resets it
         * (SO_LINGER 0). Every stream method's next transfer fails with ECONNRESET or EPIPE.
         */
        private int resetMidTransfer() throws IOException {
            try (Loopback tcp = Loopback.open(4096, 4096)) {
                tcp.client.configureBlocking(false);
                int fd = Fds.of(tcp.client);
                while (NativeZeroCopy.splice(f.src, fd, 0, 1 << 20) > 0) {
                    // fill the connection until it would block (the last call leaves bytes in the pipe)
                }
                tcp.resetServer();
                int ops = 0;
                for (TransferMethod m : Methods.streamMethods().toList()) {
                    try {
                        long n = NativeZeroCopy.transfer(m, f.src, fd, 0, 1 << 20);
                        throw new AssertionError(m + " to a reset peer returned " + n);
                    } catch (ErrnoException e) {
                        assertTrue(Set.of("ECONNRESET", "EPIPE").contains(e.errnoName()), e.getMessage());
                    }
                    ops++;
                }
                return ops;
            }
        }
    }

    /**
     * 16 threads that spliced twice each (the second time through the same pipe) hold one pipe
     * each while they live, and none once they ended; ten waves. Pipes are told apart by inode
     * (pipe:[N]), not counted: threads of earlier test classes may still be closing theirs.
     */
    @Test
    void threadsReleaseTheirPipeWhenTheyEnd() throws Exception {
        Path src = Sources.random(dir, "src", 100_000, 32);
        int threads = 16;
        Set<String> pipesBefore = pipeInodes();
        try (var in = java.nio.channels.FileChannel.open(src)) {
            int fdIn = Fds.of(in);
            for (int wave = 0; wave < 10; wave++) {
                CountDownLatch spliced = new CountDownLatch(threads);
                CountDownLatch end = new CountDownLatch(1);
                List<Thread> started = new ArrayList<>();
                List<Throwable> failures = new CopyOnWriteArrayList<>();
                for (int t = 0; t < threads; t++) {
                    Thread th = new Thread(() -> {
                        try (Targets.Target out = Targets.open(Targets.Kind.FILE, dir)) {
                            assertEquals(100_000, NativeZeroCopy.splice(fdIn, out.fd(), 0, 100_000));
                            assertEquals(100_000, NativeZeroCopy.splice(fdIn, out.fd(), 0, 100_000)); // the same pipe again
                            spliced.countDown();
                            end.await();
                        } catch (Throwable e) {
                            failures.add(e);
                            spliced.countDown();
                        }
                    });
                    th.start();
                    started.add(th);
                }
                spliced.await();
                assertEquals(List.of(), failures);
                Set<String> created = pipeInodes();
                created.removeAll(pipesBefore);
                assertEquals(threads, created.size(), "one pipe (both ends share its inode) per live thread that spliced: " + created);
                end.countDown();
                for (Thread th : started) {
                    th.join();
                }
                // Thread.join returns before the native thread runs its key destructors: wait for them.
                long deadline = System.nanoTime() + 10_000_000_000L;
                Set<String> left = pipeInodes();
                left.retainAll(created);
                while (!left.isEmpty() && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                    left = pipeInodes();
                    left.retainAll(created);
                }
                assertEquals(Set.of(), left, "pipes of ended threads were not closed");
            }
        }
    }

    /**
     * The thread's pipe is made with O_CLOEXEC (a process forked by native code must not inherit
     * it) and grown with F_SETPIPE_SZ to 1 MiB, or to pipe-max-size when that is lower.
     */
    @Test
    void threadPipeIsCloseOnExecAndSized() throws Exception {
        Path src = Sources.random(dir, "src", 64 * 1024, 62);
        Set<String> before = Proc.pipeFds();
        CountDownLatch made = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        Thread t = new Thread(() -> {
            try (var in = java.nio.channels.FileChannel.open(src);
                 var out = java.nio.channels.FileChannel.open(Paths.get("/dev/null"), java.nio.file.StandardOpenOption.WRITE)) {
                assertEquals(64 * 1024, NativeZeroCopy.splice(Fds.of(in), Fds.of(out), 0, 64 * 1024));
                made.countDown();
                done.await();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        t.setDaemon(true);
        t.start();
        try {
            assertTrue(made.await(30, TimeUnit.SECONDS));
            Set<String> fresh = Proc.pipeFds();
            fresh.removeAll(before);
            assertEquals(2, fresh.size(), "the thread's pipe: " + fresh);
            long max = Long.parseLong(Files.readAllLines(Paths.get("/proc/sys/fs/pipe-max-size")).get(0).trim());
            for (String entry : fresh) {
                String fd = entry.substring(0, entry.indexOf('='));
                String flags = Files.readAllLines(Paths.get("/proc/self/fdinfo", fd)).stream()
                        .filter(l -> l.startsWith("flags:")).findFirst().orElseThrow();
                long value = Long.parseLong(flags.substring(6).trim(), 8);
                assertTrue((value & Libc.O_CLOEXEC) != 0, "fd " + fd + " " + flags);
                long size = Libc.LIBC.fcntl(Integer.parseInt(fd), Libc.F_GETPIPE_SZ, 0);
                assertEquals(Math.min(1 << 20, max), size, "F_GETPIPE_SZ of fd " + fd + ", pipe-max-size " + max);
            }
        } finally {
            done.countDown();
            t.join(10_000);
        }
        // The pipe is closed as the native thread exits, just after join returns: wait for it.
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!before.containsAll(Proc.pipeFds()) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        Set<String> left = Proc.pipeFds();
        left.removeAll(before);
        assertTrue(left.isEmpty(), "the thread's pipe is closed once it ended: " + left);
    }

    /** The pipes open in this process, as "pipe:[inode]" (both ends of one pipe give one entry). */
    private static Set<String> pipeInodes() {
        return Proc.pipeFds().stream().map(e -> e.substring(e.indexOf('=') + 1)).collect(Collectors.toCollection(HashSet::new));
    }
}
