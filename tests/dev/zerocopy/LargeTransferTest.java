package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.zerocopy.testkit.Hashing;
import dev.zerocopy.testkit.Sources;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * One call moves more than 2 GiB and more than 4 GiB (HAZARDS 1: each syscall moves at most
 * 0x7ffff000 bytes, and an int anywhere in the loop would wrap). The source is sparse, 2^31 or
 * 2^32 plus a few KiB, with random bytes in a tail that straddles the 2^31 or 2^32 boundary;
 * the reader counts every byte and hashes the tail. The 4 GiB pipe run of sendfile stays in the
 * normal suite; the rest is tagged slow.
 */
class LargeTransferTest {
    static final int TAIL = 12 * 1024;
    static final long OVER_2G = (1L << 31) + 4096 + 7;
    static final long OVER_4G = (1L << 32) + 4096 + 7;

    /** Shared by the tests of the class: the first pass over a hole fills the page cache with zeroes, later ones reuse it. */
    @TempDir
    static Path shared;
    static final java.util.Map<Long, Path> SOURCES = new java.util.HashMap<>();

    @TempDir
    Path dir;

    static synchronized Path source(long size) throws Exception {
        Path src = SOURCES.get(size);
        if (src == null) {
            src = Sources.sparseWithTail(shared, "sparse-" + size, size, TAIL, size);
            SOURCES.put(size, src);
        }
        return src;
    }

    void transferAll(TransferMethod method, Targets.Kind kind, long size) throws Exception {
        Path src = source(size);
        String tail = Hashing.of(src, size - TAIL, TAIL);
        Targets.Options options = new Targets.Options().hashFrom(size - TAIL);
        try (FileChannel in = FileChannel.open(src); Targets.Target target = Targets.open(kind, dir, options)) {
            long moved = NativeZeroCopy.transfer(method, Fds.of(in), target.fd(), 0, Long.MAX_VALUE);
            assertEquals(size, moved, "bytes moved in one call");
            Targets.Received received = target.finish();
            assertEquals(size, received.count(), "bytes received");
            assertEquals(tail, received.sha256(), "SHA-256 of the tail");
        }
    }

    /** Reading at an offset past 2^32 (off_t/loff_t carry it whole): only the tail is read, so it is cheap. */
    @ParameterizedTest(name = "{0} -> {1}")
    @org.junit.jupiter.params.provider.MethodSource("dev.zerocopy.Methods#servedPairs")
    void offsetPast4GiB(TransferMethod method, Targets.Kind kind) throws Exception {
        Path src = source(OVER_4G);
        long offset = OVER_4G - TAIL + 1;
        try (FileChannel in = FileChannel.open(src); Targets.Target target = Targets.open(kind, dir)) {
            assertEquals(TAIL - 1, NativeZeroCopy.transfer(method, Fds.of(in), target.fd(), offset, 1L << 33));
            Targets.Received received = target.finish();
            assertEquals(TAIL - 1, received.count());
            assertEquals(Hashing.of(src, offset, TAIL), received.sha256());
        }
    }

    @Test
    void sendfileOver4GiBToPipe() throws Exception {
        transferAll(TransferMethod.SENDFILE, Targets.Kind.PIPE, OVER_4G);
    }

    @Tag("slow")
    @ParameterizedTest
    @EnumSource(value = TransferMethod.class, names = {"READ_WRITE", "MMAP_WRITE", "SPLICE"})
    void over4GiBToPipe(TransferMethod method) throws Exception {
        transferAll(method, Targets.Kind.PIPE, OVER_4G);
    }

    @Tag("slow")
    @ParameterizedTest
    @EnumSource(value = TransferMethod.class, names = {"READ_WRITE", "MMAP_WRITE", "SENDFILE", "SPLICE"})
    void over2GiBToTcp(TransferMethod method) throws Exception {
        transferAll(method, Targets.Kind.TCP, OVER_2G);
    }

    /** copy_file_range to a file on the same filesystem (where ext4 copies, it writes the whole range). */
    @Tag("slow")
    @Test
    void copyFileRangeOver4GiB() throws Exception {
        transferAll(TransferMethod.COPY_FILE_RANGE, Targets.Kind.FILE, OVER_4G);
    }

    @Tag("slow")
    @Test
    void copyFileRangeOver2GiB() throws Exception {
        transferAll(TransferMethod.COPY_FILE_RANGE, Targets.Kind.FILE, OVER_2G);
    }
}
