package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerocopy.testkit.Targets;
import dev.zerocopy.testkit.Received;
import dev.zerocopy.testkit.Hashing;
import dev.zerocopy.testkit.Sources;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every method into every target the kernel serves: the bytes received equal the source slice,
 * for the offsets and lengths where off-by-one and page-boundary bugs live (0, 1, 4095, 4096,
 * 4097, 2^i +/- 1 up to 4 MiB), ranges running past end of file, and offsets at or far past it
 * (the shape of the JDK's jtreg FileChannel transferTo tests).
 */
class TransferMatrixTest {
    /** Not a multiple of any page size, so the last page of the file is partial. */
    static final int SIZE = 4 * 1024 * 1024 + 3;

    @TempDir
    static Path shared;
    static byte[] data;
    static Path source;

    @TempDir
    Path dir;

    @BeforeAll
    static void source() throws Exception {
        data = Sources.randomBytes(SIZE, 1);
        source = java.nio.file.Files.write(shared.resolve("source"), data);
    }

    /** 0, 1, 2, 3, 4095, 4096, 4097 and 2^i - 1, 2^i, 2^i + 1 up to 2^22. */
    static List<Long> interesting() {
        List<Long> v = new ArrayList<>(List.of(0L, 1L, 2L, 3L, 4095L, 4096L, 4097L));
        for (int i = 2; i <= 22; i++) {
            for (long d = -1; d <= 1; d++) {
                long x = (1L << i) + d;
                if (!v.contains(x)) {
                    v.add(x);
                }
            }
        }
        return v;
    }

    /** (offset, length) pairs: from 0, at every interesting offset, across the end of file, and past it. */
    static List<long[]> cases() {
        List<long[]> c = new ArrayList<>();
        for (long v : interesting()) {
            c.add(new long[] {0, v});
            c.add(new long[] {v, v});
            c.add(new long[] {v, 4097});
            c.add(new long[] {SIZE - v, 2 * v + 1}); // runs past end of file by v + 1
        }
        c.add(new long[] {0, Long.MAX_VALUE}); // "to end of file": offset + length must not overflow inside
        c.add(new long[] {4097, Long.MAX_VALUE});
        c.add(new long[] {SIZE - 1, Long.MAX_VALUE});
        // At and past end of file: 0, whatever the length.
        for (long off : new long[] {SIZE, SIZE + 1L, SIZE + 4096L, 1L << 32, 1L << 40, 1L << 62, Long.MAX_VALUE - 1, Long.MAX_VALUE}) {
            c.add(new long[] {off, 1});
            c.add(new long[] {off, 4096});
            c.add(new long[] {off, Long.MAX_VALUE});
        }
        return c;
    }

    static long expected(long offset, long length) {
        return offset >= SIZE ? 0 : Math.min(length, SIZE - offset);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("dev.zerocopy.testkit.Methods#servedPairs")
    void slicesArriveIntact(TransferMethod method, Targets.Kind kind) throws Exception {
        MessageDigest md = Hashing.sha256();
        long total = 0;
        try (FileChannel in = FileChannel.open(source); Targets.Target target = Targets.open(kind, dir)) {
            int fdIn = Fds.of(in);
            for (long[] c : cases()) {
                long offset = c[0];
                long length = c[1];
                long want = expected(offset, length);
                long got = NativeZeroCopy.transfer(method, fdIn, target.fd(), offset, length);
                assertEquals(want, got, () -> method + " -> " + kind + ": offset=" + offset + " length=" + length);
                md.update(data, (int) Math.min(offset, SIZE), (int) want);
                total += want;
            }
            Received received = target.finish();
            assertEquals(total, received.count(), "bytes received");
            assertEquals(Hashing.hex(md.digest()), received.sha256(), "SHA-256 of the concatenated slices");
        }
    }

    /** A fresh random file of 8 MiB and change each run (the seed is in the failure message), whole and in random slices. */
    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("dev.zerocopy.testkit.Methods#servedPairs")
    void randomLargeFile(TransferMethod method, Targets.Kind kind) throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int size = 8 * 1024 * 1024 + random.nextInt(1 << 20);
        byte[] bytes = Sources.randomBytes(size, seed);
        Path file = java.nio.file.Files.write(dir.resolve("random"), bytes);
        MessageDigest md = Hashing.sha256();
        long total = 0;
        try (FileChannel in = FileChannel.open(file); Targets.Target target = Targets.open(kind, dir)) {
            int fdIn = Fds.of(in);
            assertEquals(size, NativeZeroCopy.transfer(method, fdIn, target.fd(), 0, size), "seed " + seed);
            md.update(bytes);
            total += size;
            for (int i = 0; i < 8; i++) {
                int offset = random.nextInt(size);
                int length = random.nextInt(size);
                long want = Math.min(length, size - offset);
                assertEquals(want, NativeZeroCopy.transfer(method, fdIn, target.fd(), offset, length),
                        "seed " + seed + " offset " + offset + " length " + length);
                md.update(bytes, offset, (int) want);
                total += want;
            }
            Received received = target.finish();
            assertEquals(total, received.count(), "seed " + seed);
            assertEquals(Hashing.hex(md.digest()), received.sha256(), "seed " + seed);
        }
    }

    /** copy_file_range(2) writes only to regular files: a pipe or socket target is EINVAL, reported exactly, nothing moved. */
    @ParameterizedTest
    @EnumSource(value = Targets.Kind.class, names = {"PIPE", "TCP", "UNIX"})
    void copyFileRangeRefusesStreamTargets(Targets.Kind kind) throws Exception {
        try (FileChannel in = FileChannel.open(source); Targets.Target target = Targets.open(kind, dir)) {
            int fdIn = Fds.of(in);
            int fdOut = target.fd();
            ErrnoException e = assertThrows(ErrnoException.class, () -> NativeZeroCopy.copyFileRange(fdIn, fdOut, 4096, 100000));
            assertEquals(22, e.errno());
            assertEquals("EINVAL", e.errnoName());
            assertEquals("copy_file_range", e.syscall());
            assertEquals(0, e.bytesTransferred());
            assertEquals("copy_file_range(in=" + fdIn + ", out=" + fdOut + ", offset=4096, length=100000) failed: EINVAL (Invalid argument), 0 bytes transferred",
                    e.getMessage());
            // The same through transfer(method, ...).
            ErrnoException viaTransfer = assertThrows(ErrnoException.class,
                    () -> NativeZeroCopy.transfer(TransferMethod.COPY_FILE_RANGE, fdIn, fdOut, 4096, 100000));
            assertEquals(e.getMessage(), viaTransfer.getMessage());
            Received received = target.finish();
            assertEquals(0, received.count());
            assertTrue(in.isOpen());
        }
    }
}
