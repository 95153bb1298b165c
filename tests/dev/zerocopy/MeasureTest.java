package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerocopy.testkit.Sources;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Measurement.measure: the syscall count is what each path must make, bytes match and arrive
 * intact, and mmap+write shows its page faults. The counts follow from the shim's loops: read+write
 * uses a 256 KiB buffer (pread + write per chunk), mmap+write maps 8 MiB windows (fstat, mmap,
 * write, munmap per window), splice goes through a 1 MiB pipe (into it, out of it).
 */
class MeasureTest {
    private static final int KIB = 1024;
    private static final int MIB = 1024 * KIB;

    @TempDir
    Path dir;

    private byte[] data;
    private Path src;

    @BeforeEach
    void source() throws Exception {
        data = Sources.randomBytes(4 * MIB + 123, 7);
        src = Files.write(dir.resolve("src"), data);
    }

    private MeasureResult toFile(TransferMethod method, long offset, long length, Path dst) throws Exception {
        try (FileChannel in = FileChannel.open(src);
             FileChannel out = FileChannel.open(dst, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            return Measurement.measure(method, Fds.of(in), Fds.of(out), offset, length);
        }
    }

    private void assertCopied(Path dst, long offset, long length) throws Exception {
        assertArrayEquals(Arrays.copyOfRange(data, (int) offset, (int) (offset + length)), Files.readAllBytes(dst));
    }

    @Test
    void sendfileOfASmallTransferIsOneSyscall() throws Exception {
        Path dst = dir.resolve("dst");
        MeasureResult s = toFile(TransferMethod.SENDFILE, 100, 4 * KIB, dst);
        assertEquals(4 * KIB, s.bytes());
        assertEquals(1, s.usage().syscalls());
        assertEquals(TransferMethod.SENDFILE, s.method());
        assertEquals(0, s.method().cpuCopiesWithGather());
        assertEquals(2, s.method().dmaCopies());
        assertTrue(s.usage().wallNanos() > 0, "wall time must be measured");
        assertCopied(dst, 100, 4 * KIB);
    }

    @Test
    void readWriteMakesTwoSyscallsPerChunk() throws Exception {
        Path dst = dir.resolve("dst");
        // 1 MiB through the 256 KiB buffer: 4 chunks, each one pread and one write.
        MeasureResult s = toFile(TransferMethod.READ_WRITE, 0, MIB, dst);
        assertEquals(MIB, s.bytes());
        assertEquals(8, s.usage().syscalls());
        assertEquals(2, s.method().cpuCopiesWithGather());
        assertCopied(dst, 0, MIB);
    }

    @Test
    void readWritePastEndOfFileAddsTheFinalZeroRead() throws Exception {
        Path dst = dir.resolve("dst");
        long offset = data.length - 1000;
        // One short pread + write, then the pread that returns 0 (end of file): 3 syscalls.
        MeasureResult s = toFile(TransferMethod.READ_WRITE, offset, MIB, dst);
        assertEquals(1000, s.bytes());
        assertEquals(3, s.usage().syscalls());
        assertCopied(dst, offset, 1000);
    }

    @Test
    void mmapWriteFaultsThePagesInAndMakesFourSyscallsPerWindow() throws Exception {
        Path dst = dir.resolve("dst");
        // One 8 MiB window covers the request: fstat, mmap, write, munmap.
        MeasureResult s = toFile(TransferMethod.MMAP_WRITE, 0, 2 * MIB, dst);
        assertEquals(2 * MIB, s.bytes());
        assertEquals(4, s.usage().syscalls());
        // A fresh mapping has no page table entries: write(2) faults them in. How many pages one
        // fault maps depends on the kernel (fault-around: 16 pages; a large page-cache folio in a
        // PMD-aligned mapping: up to 2 MiB at once), so only "at least one" is certain.
        assertTrue(s.usage().minorFaults() + s.usage().majorFaults() >= 1, "mmap+write must show its page faults, saw " + s);
        assertCopied(dst, 0, 2 * MIB);
    }

    @Test
    void readWriteFromPageCacheDoesNotFault() throws Exception {
        Path warm = dir.resolve("warm");
        toFile(TransferMethod.READ_WRITE, 0, MIB, warm); // the thread buffer is allocated and touched
        Path dst = dir.resolve("dst");
        MeasureResult s = toFile(TransferMethod.READ_WRITE, 0, MIB, dst);
        // The buffer is already mapped and the kernel copies into it: no fault per page as with mmap.
        assertTrue(s.usage().minorFaults() < 16, "read+write into a touched buffer should not fault per page: " + s);
        assertCopied(dst, 0, MIB);
    }

    @Test
    void spliceMakesTwoSyscallsPerPipeful() throws Exception {
        toFile(TransferMethod.SPLICE, 0, KIB, dir.resolve("warm")); // creates this thread's pipe (pipe2, fcntl)
        Path dst = dir.resolve("dst");
        MeasureResult s = toFile(TransferMethod.SPLICE, 5, 64 * KIB, dst);
        assertEquals(64 * KIB, s.bytes());
        assertEquals(2, s.usage().syscalls(), "into the pipe, out of the pipe");
        assertCopied(dst, 5, 64 * KIB);
    }

    @Test
    void copyFileRangeIsOneSyscall() throws Exception {
        Path dst = dir.resolve("dst");
        MeasureResult s = toFile(TransferMethod.COPY_FILE_RANGE, 0, 3 * MIB, dst);
        assertEquals(3 * MIB, s.bytes());
        assertEquals(1, s.usage().syscalls());
        assertCopied(dst, 0, 3 * MIB);
    }

    @Test
    void sendfileToALoopbackSocketCountsBytesAndSyscalls() throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             SocketChannel sender = SocketChannel.open(server.getLocalAddress());
             SocketChannel receiver = server.accept();
             FileChannel in = FileChannel.open(src)) {
            MeasureResult s = Measurement.measure(TransferMethod.SENDFILE, Fds.of(in),
                    Fds.of(sender), 0, 4 * KIB);
            assertEquals(4 * KIB, s.bytes());
            assertEquals(1, s.usage().syscalls());
            ByteBuffer got = ByteBuffer.allocate(4 * KIB);
            while (got.hasRemaining()) {
                receiver.read(got);
            }
            assertArrayEquals(Arrays.copyOf(data, 4 * KIB), got.array());
        }
    }

    @Test
    void zeroLengthMakesNoSyscall() throws Exception {
        MeasureResult s = toFile(TransferMethod.SENDFILE, 0, 0, dir.resolve("dst"));
        assertEquals(0, s.bytes());
        assertEquals(0, s.usage().syscalls());
    }

    @Test
    void threadUsageSeesTheSameSyscallsAsMeasure() throws Exception {
        ThreadUsage before = Measurement.threadUsage();
        MeasureResult a = toFile(TransferMethod.READ_WRITE, 0, MIB, dir.resolve("a"));
        MeasureResult b = toFile(TransferMethod.SENDFILE, 0, MIB, dir.resolve("b"));
        ThreadUsage spent = Measurement.threadUsage().minus(before);
        assertEquals(a.usage().syscalls() + b.usage().syscalls(), spent.syscalls());
        assertTrue(spent.wallNanos() >= a.usage().wallNanos() + b.usage().wallNanos());
        assertTrue(spent.cpuNanos() >= 0);
        assertTrue(spent.threadCpuNanos() > 0, "the thread CPU clock must advance over two transfers");
    }

    @Test
    void aFailedTransferThrowsAsThePlainCallDoes() throws Exception {
        try (FileChannel in = FileChannel.open(src)) {
            // fd 1_000_000 is above any RLIMIT_NOFILE here: sendfile answers EBADF.
            ErrnoException e = assertThrows(ErrnoException.class,
                    () -> Measurement.measure(TransferMethod.SENDFILE, Fds.of(in), 1_000_000, 0, KIB));
            assertEquals("EBADF", e.errnoName());
            assertEquals("sendfile", e.syscall());
        }
        assertThrows(IllegalArgumentException.class,
                () -> Measurement.measure(TransferMethod.SENDFILE, 0, 1, -1, KIB));
    }
}
