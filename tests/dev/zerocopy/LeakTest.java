package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerocopy.testkit.Sources;
import dev.zerocopy.testkit.Proc;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing the library makes outlives its use: after thousands of transfers through every method,
 * successful and failed (EPIPE, EBADF, EAGAIN), the process has the same descriptors and no
 * mapping of the source (HAZARDS 6, 10); each thread's splice pipe is made once, and released
 * when the thread ends.
 */
class LeakTest {
    static final int ROUNDS = 2000;

    @TempDir
    Path dir;

    @Test
    void noDescriptorOrMappingLeftAfterThousandsOfTransfers() throws Exception {
        Path src = Sources.random(dir, "src", 10 * 1024 * 1024, 31);
        Pipe noReader = Pipe.open();
        noReader.source().close();
        Pipe full = Pipe.open();
        full.sink().configureBlocking(false);
        while (full.sink().write(ByteBuffer.allocate(65536)) > 0) {
            // fill it: every write after this would block, so each transfer ends in EAGAIN
        }
        try (FileChannel in = FileChannel.open(src); Targets.Target sink = Targets.open(Targets.Kind.PIPE, dir);
             Targets.Target fileTarget = Targets.open(Targets.Kind.FILE, dir);
             Pipe.SinkChannel brokenOut = noReader.sink(); Pipe.SinkChannel fullOut = full.sink(); Pipe.SourceChannel fullIn = full.source()) {
            int fdIn = Fds.of(in);
            int ok = sink.fd();
            int broken = Fds.of(brokenOut);
            int eagain = Fds.of(fullOut);
            int bad = BadInputTest.notOpen();
            int file = fileTarget.fd();
            Runnable round = () -> {
                for (TransferMethod m : Methods.streamMethods().toList()) {
                    try {
                        // 9 MiB from 1 MiB - 1: two mmap windows, one not page aligned; several pipe loads.
                        assertEquals(9 * 1024 * 1024, NativeZeroCopy.transfer(m, fdIn, ok, (1 << 20) - 1, 9 * 1024 * 1024));
                        assertEquals(0, NativeZeroCopy.transfer(m, fdIn, eagain, 0, 1 << 20), "a full non-blocking pipe takes nothing");
                    } catch (ErrnoException e) {
                        throw new AssertionError(e);
                    }
                    assertEquals("EPIPE", assertThrows(ErrnoException.class, () -> NativeZeroCopy.transfer(m, fdIn, broken, 0, 1 << 20)).errnoName());
                    assertEquals("EBADF", assertThrows(ErrnoException.class, () -> NativeZeroCopy.transfer(m, fdIn, bad, 0, 1 << 20)).errnoName());
                    assertEquals("EBADF", assertThrows(ErrnoException.class, () -> NativeZeroCopy.transfer(m, bad, ok, 0, 1 << 20)).errnoName());
                }
                // copy_file_range: to a file, and refused (EINVAL) to a pipe, EBADF from a closed source.
                try {
                    assertEquals(65536, NativeZeroCopy.copyFileRange(fdIn, file, 4095, 65536));
                } catch (ErrnoException e) {
                    throw new AssertionError(e);
                }
                assertEquals("EINVAL", assertThrows(ErrnoException.class, () -> NativeZeroCopy.copyFileRange(fdIn, ok, 0, 1 << 20)).errnoName());
                assertEquals("EBADF", assertThrows(ErrnoException.class, () -> NativeZeroCopy.copyFileRange(bad, file, 0, 1 << 20)).errnoName());
            };
            round.run(); // warm-up: the thread's pipe and buffer exist from here on
            int fds = Proc.fdCount();
            List<String> links = Proc.fdLinks();
            int maps = Proc.maps().size();
            for (int i = 0; i < ROUNDS / 10; i++) {
                round.run();
                assertEquals(0, Proc.mapsOf(src), "a window of the source is still mapped");
            }
            for (int i = 0; i < ROUNDS; i++) {
                // The cheap failing and EAGAIN calls many more times.
                for (TransferMethod m : Methods.streamMethods().toList()) {
                    assertEquals(0, NativeZeroCopy.transfer(m, fdIn, eagain, 4096, 1 << 20));
                    assertThrows(ErrnoException.class, () -> NativeZeroCopy.transfer(m, fdIn, broken, 0, 1 << 20));
                }
            }
            assertEquals(0, Proc.mapsOf(src), "a window of the source is still mapped");
            // A failed splice closed the thread's pipe; the round ends in a state that holds one, as at the start.
            round.run();
            assertEquals(fds, Proc.fdCount(), () -> "descriptors before " + links + " after " + safeLinks());
            // The JVM maps memory of its own (JIT code, heap, stacks); a leak of one mapping per
            // transfer would add thousands of lines.
            int grown = Proc.maps().size() - maps;
            assertTrue(grown < 50, "maps grew by " + grown + " lines");
            assertTrue(sink.finish().count() > 0);
        }
    }

    static List<String> safeLinks() {
        try {
            return Proc.fdLinks();
        } catch (Exception e) {
            return List.of(e.toString());
        }
    }
}
