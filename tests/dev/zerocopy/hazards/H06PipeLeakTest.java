package dev.zerocopy.hazards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerocopy.testkit.Loopback;
import dev.zerocopy.testkit.Sources;
import dev.zerocopy.testkit.Proc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.zerocopy.ErrnoException;
import dev.zerocopy.Fds;
import dev.zerocopy.NativeZeroCopy;
import dev.zerocopy.TransferMethod;

/**
 * HAZARDS 6: splice needs a pipe, and pipes leak. The library keeps one pipe per thread, made
 * with pipe2(O_CLOEXEC), replaces it when a failed or blocked write leaves bytes in it, and
 * closes it when the thread ends. The count of open descriptors (and of pipes among them) is
 * unchanged after 10k operations including EAGAIN, EPIPE and peers that reset mid-transfer.
 */
class H06PipeLeakTest {
    @TempDir
    Path dir;

    @Test
    void tenThousandSpliceOperationsIncludingResetsLeakNoDescriptor() throws Exception {
        byte[] data = Sources.randomBytes(1 << 20, 6);
        Path src = Files.write(dir.resolve("src"), data);
        try (Failures f = new Failures(dir, src)) {
            int[] full = Support.pipe(); // a non-blocking pipe nobody reads: fills, then EAGAIN forever
            Support.setNonBlocking(full[1]);
            int[] broken = Support.pipe();
            Support.closeQuietly(broken[0]);
            try {
                operations(f, full[1], broken[1], 200); // warm up: the thread's pipe, JIT, class loading
                int fds = Proc.fdCount();
                int pipes = pipeCount();
                int ops = operations(f, full[1], broken[1], 10_000);
                assertTrue(ops >= 10_000);
                Proc.assertNoGrowth("open descriptors after " + ops + " operations", fds, Proc::fdCount);
                Proc.assertNoGrowth("pipes after " + ops + " operations", pipes, H06PipeLeakTest::pipeCount);
            } finally {
                Support.closeQuietly(full[0], full[1], broken[1]);
            }
        }
    }

    /**
     * The open pipe ends as "fd=pipe:[inode]": keyed by inode too, so a pipe that reuses the number
     * of one an ended thread (of an earlier test class) just closed still counts as new.
     */
    private static Set<String> pipeFds() throws IOException {
        Set<String> pipes = new java.util.HashSet<>();
        try (Stream<Path> s = Files.list(Paths.get("/proc/self/fd"))) {
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
        }
        return pipes;
    }

    /** Runs n splice operations (and some of the other methods on reset sockets); returns how many ran. */
    private static int operations(Failures f, int fullPipe, int brokenPipe, int n) throws Exception {
        int done = 0;
        while (done < n) {
            for (int i = 0; i < 97 && done < n; i++, done++) {
                switch (i % 3) {
                    case 0 -> assertEquals(4096, NativeZeroCopy.splice(f.src, f.devNull, i * 4096L, 4096));
                    // Full non-blocking target: bytes left in the library's pipe, which is replaced.
                    case 1 -> assertTrue(NativeZeroCopy.splice(f.src, fullPipe, 0, 65536) >= 0);
                    default -> {
                        ErrnoException e = assertThrows(ErrnoException.class,
                                () -> NativeZeroCopy.splice(f.src, brokenPipe, 0, 65536));
                        assertEquals("EPIPE", e.errnoName());
                    }
                }
            }
            done += resetMidTransfer(f.src);
        }
        return done;
    }

    /**
     * A loopback connection whose receiver never reads fills up; the receiver then resets it
     * (SO_LINGER 0). Every method's next transfer fails with ECONNRESET or EPIPE.
     */
    private static int resetMidTransfer(int src) throws IOException {
        try (Loopback tcp = Loopback.open(4096, 4096)) {
            tcp.client.configureBlocking(false);
            int fd = Fds.of(tcp.client);
            while (NativeZeroCopy.splice(src, fd, 0, 1 << 20) > 0) {
                // fill the connection until it would block (the last call leaves bytes in the pipe)
            }
            tcp.resetServer();
            int ops = 0;
            for (TransferMethod m : new TransferMethod[] {TransferMethod.SPLICE, TransferMethod.SENDFILE,
                    TransferMethod.READ_WRITE, TransferMethod.MMAP_WRITE}) {
                try {
                    long n = NativeZeroCopy.transfer(m, src, fd, 0, 1 << 20);
                    throw new AssertionError(m + " to a reset peer returned " + n);
                } catch (ErrnoException e) {
                    assertTrue(Set.of("ECONNRESET", "EPIPE").contains(e.errnoName()), e.getMessage());
                }
                ops++;
            }
            return ops;
        }
    }

    private static int pipeCount() {
        try (Stream<Path> s = Files.list(Paths.get("/proc/self/fd"))) {
            return (int) s.filter(p -> {
                try {
                    return Files.readSymbolicLink(p).toString().startsWith("pipe:");
                } catch (IOException e) {
                    return false; // the listing's own fd, already closed
                }
            }).count();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
