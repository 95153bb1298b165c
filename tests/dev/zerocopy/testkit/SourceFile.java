package dev.zerocopy.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One random source file shared by the tests of a class, in a temporary directory the tests may
 * use too; written before the first test, the directory deleted after the last. Register it with
 * {@code @RegisterExtension static final SourceFile SOURCE = new SourceFile(size, seed);}.
 */
public final class SourceFile implements BeforeAllCallback, AfterAllCallback {
    private final int size;
    private final long seed;
    private Path dir;
    private Path file;
    private byte[] data;

    public SourceFile(int size, long seed) {
        this.size = size;
        this.seed = seed;
    }

    /** The directory holding the source (named "src"). */
    public Path dir() {
        return dir;
    }

    public Path file() {
        return file;
    }

    /** The bytes of the source file (the same array every time: do not modify). */
    public byte[] data() {
        return data;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        dir = Files.createTempDirectory("zc-test-");
        data = Sources.randomBytes(size, seed);
        file = Files.write(dir.resolve("src"), data);
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
