package dev.zerocopy.hazards;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerocopy.testkit.DaemonPool;
import dev.zerocopy.testkit.Sources;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.zerocopy.Fds;
import dev.zerocopy.NativeZeroCopy;
import dev.zerocopy.TransferMethod;

/**
 * HAZARDS 1: sendfile and copy_file_range move at most 0x7ffff000 bytes per call, and offsets
 * past 2^31 and 2^32 must survive every int and off_t on the way. Sparse files of 2^31 + 12 KiB
 * and 2^32 + 20 KiB, random bytes at both ends and a hole between, go through every method in ONE
 * library call each; the bytes received are counted and checked: the head, the hole (zeros) and
 * the random tail. Then a slice starting past the 2^31 / 2^32 boundary, to check 64-bit offsets.
 * Slow (about 30 GiB moved): runs with -Pslow.
 */
@Tag("slow")
class H01LargeFileTest {
    private static final int EDGE = 64 * 1024;
    private static final long[] SIZES = {(1L << 31) + 12 * 1024, (1L << 32) + 20 * 1024};
    @RegisterExtension
    static final DaemonPool POOL = new DaemonPool();

    @TempDir
    static Path dir;
    static Path[] files = new Path[SIZES.length];
    static byte[][] heads = new byte[SIZES.length][];
    static byte[][] tails = new byte[SIZES.length][];

    @BeforeAll
    static void sparseFiles() throws IOException {
        for (int i = 0; i < SIZES.length; i++) {
            files[i] = dir.resolve("sparse-" + SIZES[i]);
            byte[][] edges = Sources.sparseWithHeadAndTail(files[i], SIZES[i], EDGE, 100 + i);
            heads[i] = edges[0];
            tails[i] = edges[1];
        }
    }

    @ParameterizedTest
    @EnumSource(TransferMethod.class)
    void wholeFileInOneCall(TransferMethod method) throws Exception {
        for (int i = 0; i < SIZES.length; i++) {
            long size = SIZES[i];
            if (method == TransferMethod.COPY_FILE_RANGE) {
                copyToFile(i);
                continue;
            }
            try (FileChannel in = FileChannel.open(files[i]); PipeChecker sink = new PipeChecker(size, heads[i], tails[i])) {
                long moved = NativeZeroCopy.transfer(method, Fds.of(in), sink.fd(), 0, size);
                assertEquals(size, moved, method + " " + size);
                sink.finish(size);
            }
        }
    }

    /** A 1 MiB slice that starts 40 KiB before the end: offsets past 2^31 and 2^32, ending at end of file. */
    @ParameterizedTest
    @EnumSource(TransferMethod.class)
    void sliceBeyondFourGiB(TransferMethod method) throws Exception {
        for (int i = 0; i < SIZES.length; i++) {
            long offset = SIZES[i] - 40 * 1024;
            Path dst = dir.resolve("slice-" + method + "-" + i);
            try (FileChannel in = FileChannel.open(files[i]);
                 FileChannel out = FileChannel.open(dst, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                assertEquals(40 * 1024, NativeZeroCopy.transfer(method, Fds.of(in), Fds.of(out), offset, 1 << 20));
            }
            assertArrayEquals(Arrays.copyOfRange(tails[i], EDGE - 40 * 1024, EDGE), Files.readAllBytes(dst));
            Files.delete(dst);
        }
    }

    /** copy_file_range writes a real (not sparse) copy on ext4: checked at the edges and across the 2^31/2^32 boundaries. */
    private static void copyToFile(int i) throws Exception {
        long size = SIZES[i];
        Path dst = dir.resolve("copy-" + i);
        try (FileChannel in = FileChannel.open(files[i]);
             FileChannel out = FileChannel.open(dst, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                     StandardOpenOption.READ)) {
            assertEquals(size, NativeZeroCopy.copyFileRange(Fds.of(in), Fds.of(out), 0, size));
            assertEquals(size, out.size());
            assertArrayEquals(heads[i], read(out, 0, EDGE));
            assertArrayEquals(tails[i], read(out, size - EDGE, EDGE));
            for (long boundary : new long[] {0x7ffff000L, 1L << 31, 1L << 32}) {
                if (boundary + 4096 < size - EDGE) {
                    assertArrayEquals(new byte[8192], read(out, boundary - 4096, 8192), "zeros around " + boundary);
                }
            }
        } finally {
            Files.deleteIfExists(dst);
        }
    }

    private static byte[] read(FileChannel ch, long pos, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            int r = ch.read(b, pos + b.position());
            assertTrue(r > 0);
        }
        return b.array();
    }

    /** A pipe whose reader checks, as the bytes stream by, head, zeros and tail of a sparse file. */
    private static final class PipeChecker implements AutoCloseable {
        private final java.nio.channels.Pipe pipe = java.nio.channels.Pipe.open();
        private final Future<Long> reader;

        PipeChecker(long size, byte[] head, byte[] tail) throws IOException {
            reader = POOL.submit(() -> {
                try {
                    return check(size, head, tail);
                } catch (Throwable t) {
                    pipe.source().close(); // the writer gets EPIPE instead of blocking forever
                    throw t;
                }
            });
        }

        private long check(long size, byte[] head, byte[] tail) throws IOException {
            ByteBuffer buf = ByteBuffer.allocate(1 << 20);
            byte[] zeros = new byte[buf.capacity()];
            long pos = 0;
            while (true) {
                buf.clear();
                int n = pipe.source().read(buf);
                if (n < 0) {
                    return pos;
                }
                byte[] a = buf.array();
                for (int k = 0; k < n; ) {
                    long p = pos + k;
                    assertTrue(p < size, "more bytes than the file holds");
                    if (p < EDGE) {
                        int len = (int) Math.min(n - k, EDGE - p);
                        assertEquals(-1, Arrays.mismatch(a, k, k + len, head, (int) p, (int) p + len), "head at " + p);
                        k += len;
                    } else if (p < size - EDGE) {
                        int len = (int) Math.min(n - k, size - EDGE - p);
                        assertEquals(-1, Arrays.mismatch(a, k, k + len, zeros, 0, len), "hole at " + p);
                        k += len;
                    } else {
                        int t = (int) (p - (size - EDGE));
                        int len = Math.min(n - k, EDGE - t);
                        assertEquals(-1, Arrays.mismatch(a, k, k + len, tail, t, t + len), "tail at " + p);
                        k += len;
                    }
                }
                pos += n;
            }
        }

        int fd() throws IOException {
            return Fds.of(pipe.sink());
        }

        void finish(long size) throws Exception {
            pipe.sink().close();
            assertEquals(size, reader.get(10, TimeUnit.MINUTES), "bytes received");
        }

        @Override
        public void close() throws IOException {
            pipe.sink().close();
            pipe.source().close();
        }
    }
}
