package dev.zerocopy.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;

/** Source data for transfers: seeded random bytes, random files, sparse files. */
public final class Sources {
    private Sources() {
    }

    public static byte[] randomBytes(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    public static Path random(Path dir, String name, int size, long seed) throws IOException {
        return Files.write(dir.resolve(name), randomBytes(size, seed));
    }

    /**
     * A sparse file of {@code size} bytes whose last {@code tail} bytes are random and the rest a
     * hole: costs only the tail on disk, yet every method must walk all of it (HAZARDS 1).
     */
    public static Path sparseWithTail(Path dir, String name, long size, int tail, long seed) throws IOException {
        Path file = dir.resolve(name);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            writeFully(ch, ByteBuffer.wrap(randomBytes(tail, seed)), size - tail);
        }
        return file;
    }

    /**
     * A sparse file of {@code size} bytes: random bytes in the first and last {@code edge} bytes
     * (seeds {@code seed} and {@code seed + 1}), a hole in between. Returns {head, tail}.
     */
    public static byte[][] sparseWithHeadAndTail(Path file, long size, int edge, long seed) throws IOException {
        byte[] head = randomBytes(edge, seed);
        byte[] tail = randomBytes(edge, seed + 1);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            writeFully(ch, ByteBuffer.wrap(head), 0);
            writeFully(ch, ByteBuffer.wrap(tail), size - edge);
        }
        assertEquals(size, Files.size(file));
        return new byte[][] {head, tail};
    }

    public static void writeFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            pos += ch.write(b, pos);
        }
    }
}
