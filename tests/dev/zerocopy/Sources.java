package dev.zerocopy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;

/** Source files for transfers: random content, or sparse with random bytes only in the tail. */
final class Sources {
    private Sources() {
    }

    static byte[] randomBytes(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    static Path random(Path dir, String name, int size, long seed) throws IOException {
        return Files.write(dir.resolve(name), randomBytes(size, seed));
    }

    /**
     * A sparse file of {@code size} bytes whose last {@code tail} bytes are random and the rest a
     * hole: costs only the tail on disk, yet every method must walk all of it (HAZARDS 1).
     */
    static Path sparseWithTail(Path dir, String name, long size, int tail, long seed) throws IOException {
        Path file = dir.resolve(name);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.wrap(randomBytes(tail, seed));
            long pos = size - tail;
            while (buf.hasRemaining()) {
                pos += ch.write(buf, pos);
            }
        }
        return file;
    }
}
