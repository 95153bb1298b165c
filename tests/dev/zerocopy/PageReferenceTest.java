package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import dev.zerocopy.testkit.Sources;

/**
 * What a pipe holds after a transfer into it: sendfile, splice and the channel layer's
 * transferTo (which takes one of those paths to a pipe) put references to the file's page-cache
 * pages into the pipe, not copies. A reader that reads after the file was overwritten in place
 * gets the NEW bytes; read+write and mmap+write copy the bytes into the pipe at transfer time, so
 * their reader gets the OLD ones. README, "Guarantees": page references.
 */
class PageReferenceTest {
    static final int SIZE = 16 * 1024; // well inside a default pipe (64 KiB): no reader is needed

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"sendfile", "splice", "channels", "readWrite", "mmapWrite"})
    void pipeReaderAfterAnOverwriteSees(String path) throws Exception {
        byte[] before = Sources.randomBytes(SIZE, 1);
        byte[] after = Sources.randomBytes(SIZE, 2);
        Path file = dir.resolve("src");
        java.nio.file.Files.write(file, before);
        Pipe pipe = Pipe.open();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
             Pipe.SourceChannel source = pipe.source(); Pipe.SinkChannel sink = pipe.sink()) {
            int in = Fds.of(ch);
            int out = Fds.of(sink);
            long moved = switch (path) {
                case "sendfile" -> NativeZeroCopy.sendfile(in, out, 0, SIZE);
                case "splice" -> NativeZeroCopy.splice(in, out, 0, SIZE);
                case "readWrite" -> NativeZeroCopy.readWrite(in, out, 0, SIZE);
                case "mmapWrite" -> NativeZeroCopy.mmapWrite(in, out, 0, SIZE);
                case "channels" -> ZeroCopyChannels.transferTo(ch, 0, SIZE, sink);
                default -> throw new AssertionError(path);
            };
            assertEquals(SIZE, moved);
            // Overwrite the file in place (same pages of the page cache) before anyone reads the pipe.
            ByteBuffer b = ByteBuffer.wrap(after);
            while (b.hasRemaining()) {
                ch.write(b, b.position());
            }
            ByteBuffer got = ByteBuffer.allocate(SIZE);
            while (got.hasRemaining()) {
                source.read(got);
            }
            boolean references = !path.equals("readWrite") && !path.equals("mmapWrite");
            assertArrayEquals(references ? after : before, got.array(),
                    path + (references ? " put page references into the pipe: the reader must see the new bytes"
                            : " copied into the pipe: the reader must see the bytes of transfer time")
                            + " (first byte " + got.get(0) + ", old " + before[0] + ", new " + after[0] + ")"
                            + (Arrays.equals(got.array(), before) ? ": got the old bytes" : ""));
        }
    }
}
