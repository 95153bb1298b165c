package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.zerocopy.testkit.Sources;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** fdIn is read at the given offset and its position is left alone; fdOut is written at, and advances, its position. */
class PositionTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(TransferMethod.class)
    void readsAtOffsetAndWritesAtTargetPosition(TransferMethod method) throws Exception {
        byte[] src = Sources.randomBytes(300_000, 7);
        byte[] before = Sources.randomBytes(20_000, 8);
        Path source = Files.write(dir.resolve("src"), src);
        Path target = Files.write(dir.resolve("dst"), before);
        try (FileChannel in = FileChannel.open(source);
             FileChannel out = FileChannel.open(target, StandardOpenOption.WRITE)) {
            in.position(123);
            out.position(5000);
            int fdIn = Fds.of(in);
            int fdOut = Fds.of(out);

            assertEquals(4097, NativeZeroCopy.transfer(method, fdIn, fdOut, 777, 4097));
            assertEquals(123, in.position(), "fdIn's position must not move");
            assertEquals(5000 + 4097, out.position(), "fdOut's position advances by the bytes written");

            // A second transfer continues where the first left fdOut, and runs past the old end of the target.
            assertEquals(200_000, NativeZeroCopy.transfer(method, fdIn, fdOut, 50_000, 200_000));
            assertEquals(123, in.position());
            assertEquals(5000 + 4097 + 200_000, out.position());
        }
        byte[] expected = new byte[5000 + 4097 + 200_000];
        System.arraycopy(before, 0, expected, 0, 5000);
        System.arraycopy(src, 777, expected, 5000, 4097);
        System.arraycopy(src, 50_000, expected, 5000 + 4097, 200_000);
        assertArrayEquals(expected, Files.readAllBytes(target));
    }

    /** The position of a descriptor shared by a stream (RandomAccessFile) is the one used and moved, too. */
    @ParameterizedTest
    @EnumSource(TransferMethod.class)
    void usesTheKernelFilePositionOfTheTarget(TransferMethod method) throws Exception {
        byte[] src = Sources.randomBytes(10_000, 9);
        Path source = Files.write(dir.resolve("src"), src);
        try (RandomAccessFile in = new RandomAccessFile(source.toFile(), "r");
             RandomAccessFile out = new RandomAccessFile(dir.resolve("dst").toFile(), "rw")) {
            in.seek(4096);
            out.seek(3);
            assertEquals(1000, NativeZeroCopy.transfer(method, Fds.of(in.getFD()), Fds.of(out.getFD()), 1, 1000));
            assertEquals(4096, in.getFilePointer());
            assertEquals(1003, out.getFilePointer());
        }
        byte[] got = Files.readAllBytes(dir.resolve("dst"));
        assertEquals(1003, got.length);
        assertArrayEquals(new byte[3], Arrays.copyOf(got, 3), "the hole before the start position reads as zeros");
        assertArrayEquals(Arrays.copyOfRange(src, 1, 1001), Arrays.copyOfRange(got, 3, 1003));
    }
}
