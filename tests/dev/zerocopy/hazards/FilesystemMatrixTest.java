package dev.zerocopy.hazards;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.zerocopy.testkit.Sources;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.zerocopy.ErrnoException;
import dev.zerocopy.Fds;
import dev.zerocopy.NativeZeroCopy;
import dev.zerocopy.TransferMethod;

/**
 * HAZARDS 5: copy_file_range and sendfile depend on the filesystems and open flags. The raw
 * layer does not fall back: it reports the errno the kernel gives (Linux 6.x answers), and where
 * a method works the bytes are identical. The matrix: same filesystem, tmpfs and ext4 both ways,
 * a /proc source, an O_APPEND target, an overlapping range in one file.
 */
class FilesystemMatrixTest {
    private static final int SIZE = (1 << 20) + 333;

    @TempDir
    Path disk;
    Path shm;
    byte[] data;

    @BeforeEach
    void files() throws IOException {
        Path base = Paths.get("/dev/shm");
        assumeTrue(Files.isDirectory(base) && Files.getFileStore(base).type().equals("tmpfs"), "no tmpfs at /dev/shm");
        shm = Files.createTempDirectory(base, "zc-h05-");
        data = Sources.randomBytes(SIZE, 5);
    }

    @AfterEach
    void clean() throws IOException {
        try (var s = Files.list(shm)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Files.delete(p);
            }
        }
        Files.delete(shm);
    }

    private static String fsType(Path p) throws IOException {
        FileStore fs = Files.getFileStore(p);
        return fs.type();
    }

    /** Same filesystem (disk -> disk, tmpfs -> tmpfs): every method, identical bytes. */
    @ParameterizedTest
    @EnumSource(TransferMethod.class)
    void sameFilesystem(TransferMethod method) throws Exception {
        for (Path base : new Path[] {disk, shm}) {
            Path src = Files.write(base.resolve("src-" + method), data);
            Path dst = base.resolve("dst-" + method);
            assertEquals(SIZE - 10, copy(method, src, dst, 10));
            assertArrayEquals(Arrays.copyOfRange(data, 10, SIZE), Files.readAllBytes(dst), fsType(base));
        }
    }

    /**
     * Across filesystems (tmpfs <-> ext4): copy_file_range answers EXDEV (since Linux 5.19 only
     * filesystems sharing a copy_file_range implementation may cross), nothing written; every
     * other method moves identical bytes.
     */
    @ParameterizedTest
    @EnumSource(TransferMethod.class)
    void acrossFilesystems(TransferMethod method) throws Exception {
        Path[][] pairs = {{shm, disk}, {disk, shm}};
        for (Path[] pair : pairs) {
            Path src = Files.write(pair[0].resolve("src-x-" + method), data);
            Path dst = pair[1].resolve("dst-x-" + method);
            if (method == TransferMethod.COPY_FILE_RANGE) {
                ErrnoException e = assertThrows(ErrnoException.class, () -> copy(method, src, dst, 0));
                assertEquals("EXDEV", e.errnoName(), e.getMessage());
                assertEquals(0, e.bytesTransferred());
                assertEquals(0, Files.size(dst));
            } else {
                assertEquals(SIZE, copy(method, src, dst, 0));
                assertArrayEquals(data, Files.readAllBytes(dst), fsType(pair[0]) + " -> " + fsType(pair[1]));
            }
        }
    }

    /**
     * A /proc source (st_size 0, content generated on read): sendfile, splice and read+write read
     * it to its end; mmap+write sizes the source with fstat, so it moves 0 bytes (no error);
     * copy_file_range answers EXDEV (procfs is another superblock).
     */
    @ParameterizedTest
    @EnumSource(TransferMethod.class)
    void procSource(TransferMethod method) throws Exception {
        Path proc = Paths.get("/proc/version"); // stable content, unlike /proc/self/*
        byte[] expected = Files.readAllBytes(proc);
        Path dst = disk.resolve("dst-proc-" + method);
        switch (method) {
            case COPY_FILE_RANGE -> {
                ErrnoException e = assertThrows(ErrnoException.class, () -> copy(method, proc, dst, 0));
                assertEquals("EXDEV", e.errnoName(), e.getMessage());
            }
            case MMAP_WRITE -> assertEquals(0, copy(method, proc, dst, 0));
            default -> {
                assertEquals(expected.length, copy(method, proc, dst, 0));
                assertArrayEquals(expected, Files.readAllBytes(dst));
            }
        }
    }

    /**
     * O_APPEND target: sendfile and splice answer EINVAL (sendfile(2), splice(2)),
     * copy_file_range EBADF (copy_file_range(2)), nothing written; read+write and mmap+write
     * append the bytes after the existing content.
     */
    @ParameterizedTest
    @EnumSource(TransferMethod.class)
    void appendTarget(TransferMethod method) throws Exception {
        Path src = Files.write(disk.resolve("src-a-" + method), data);
        Path dst = Files.write(disk.resolve("dst-a-" + method), new byte[] {1, 2, 3});
        try (FileChannel in = FileChannel.open(src);
             FileChannel out = FileChannel.open(dst, StandardOpenOption.APPEND)) {
            int fdIn = Fds.of(in);
            int fdOut = Fds.of(out);
            switch (method) {
                case SENDFILE, SPLICE, COPY_FILE_RANGE -> {
                    ErrnoException e = assertThrows(ErrnoException.class,
                            () -> NativeZeroCopy.transfer(method, fdIn, fdOut, 0, SIZE));
                    assertEquals(method == TransferMethod.COPY_FILE_RANGE ? "EBADF" : "EINVAL", e.errnoName(), e.getMessage());
                    assertEquals(0, e.bytesTransferred());
                    assertEquals(3, Files.size(dst));
                }
                default -> {
                    assertEquals(SIZE, NativeZeroCopy.transfer(method, fdIn, fdOut, 0, SIZE));
                    byte[] got = Files.readAllBytes(dst);
                    assertArrayEquals(new byte[] {1, 2, 3}, Arrays.copyOf(got, 3));
                    assertArrayEquals(data, Arrays.copyOfRange(got, 3, got.length));
                }
            }
        }
    }

    /** copy_file_range within one file, overlapping ranges: EINVAL (copy_file_range(2)); the file is unchanged. */
    @Test
    void overlappingRangeInOneFile() throws Exception {
        Path f = Files.write(disk.resolve("same"), data);
        try (FileChannel in = FileChannel.open(f);
             FileChannel out = FileChannel.open(f, StandardOpenOption.WRITE)) {
            out.position(4096);
            ErrnoException e = assertThrows(ErrnoException.class,
                    () -> NativeZeroCopy.copyFileRange(Fds.of(in), Fds.of(out), 0, 65536));
            assertEquals("EINVAL", e.errnoName(), e.getMessage());
        }
        assertArrayEquals(data, Files.readAllBytes(f));
    }

    private static long copy(TransferMethod method, Path src, Path dst, long offset) throws IOException {
        try (FileChannel in = FileChannel.open(src);
             FileChannel out = FileChannel.open(dst, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            return NativeZeroCopy.transfer(method, Fds.of(in), Fds.of(out), offset, 16 << 20);
        }
    }
}
