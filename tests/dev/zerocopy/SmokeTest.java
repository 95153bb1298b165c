package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerocopy.testkit.Sources;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The library loads, and each method copies a file slice to a file byte for byte. */
class SmokeTest {
    @TempDir
    Path dir;

    @Test
    void libraryLoads() {
        assertTrue(NativeZeroCopy.isAvailable(), () -> "unavailable: " + NativeZeroCopy.unavailabilityCause());
    }

    @ParameterizedTest
    @EnumSource(TransferMethod.class)
    void copiesFileSliceToFile(TransferMethod method) throws Exception {
        byte[] data = Sources.randomBytes(3 * 1024 * 1024 + 17, 42);
        Path src = Files.write(dir.resolve("src"), data);
        Path dst = dir.resolve("dst");
        try (FileChannel in = FileChannel.open(src);
             FileChannel out = FileChannel.open(dst, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            long moved = NativeZeroCopy.transfer(method, Fds.of(in), Fds.of(out), 5, data.length);
            assertEquals(data.length - 5, moved);
            assertEquals(0, in.position(), "the source position must not move");
        }
        assertArrayEquals(Arrays.copyOfRange(data, 5, data.length), Files.readAllBytes(dst));
    }
}
