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
import java.nio.file.Path;
import java.util.Random;
import java.util.Set;

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

    // Splice pipes are pooled, not per thread: PipePoolTest and PipeBudgetTest check how many the
    // library holds; C test_threads checks that they are close-on-exec.
}
