package dev.zerocopy.hazards;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerocopy.Fds;
import dev.zerocopy.NativeZeroCopy;
import dev.zerocopy.TransferMethod;
import dev.zerocopy.testkit.DaemonPool;
import dev.zerocopy.testkit.Hashing;
import dev.zerocopy.testkit.Methods;
import dev.zerocopy.testkit.Received;
import dev.zerocopy.testkit.Sources;
import dev.zerocopy.testkit.Targets;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * HAZARDS 1 (docs/HAZARDS.md): one syscall moves at most 0x7ffff000 bytes, and an int anywhere on
 * the way would wrap past 2^31 or 2^32. Sparse files of 2^31 + 12 KiB and 2^32 + 20 KiB, random
 * bytes in the first and last 64 KiB and a hole between, go through every method in ONE library
 * call each; what arrives is counted and checked (head, hole, tail). Offsets past 2^31 and 2^32
 * are read through every method and target. Only the whole-file runs of all methods but sendfile
 * are slow (about 30 GiB moved): they run with -Pslow.
 */
class LargeFileTest {
    private static final int EDGE = 64 * 1024;
    private static final long OVER_2G = (1L << 31) + 12 * 1024;
    private static final long OVER_4G = (1L << 32) + 20 * 1024;
    @RegisterExtension
    static final DaemonPool POOL = new DaemonPool();

    /** Shared by the tests of the class: the first pass over a hole fills the page cache with zeroes, later ones reuse it. */
    @TempDir
    static Path dir;
    private static final List<SparseFile> FILES = new ArrayList<>();

    /** A sparse file: random head and tail of EDGE bytes, a hole between. */
    private record SparseFile(Path path, long size, byte[] head, byte[] tail) {
        @Override
        public String toString() {
            return path.getFileName().toString();
        }
    }

    @BeforeAll
    static void sparseFiles() throws IOException {
        for (long size : new long[] {OVER_2G, OVER_4G}) {
            Path path = dir.resolve("sparse-" + size);
            byte[][] edges = Sources.sparseWithHeadAndTail(path, size, EDGE, size);
            FILES.add(new SparseFile(path, size, edges[0], edges[1]));
        }
    }

    private static SparseFile file(long size) {
        return FILES.stream().filter(f -> f.size() == size).findFirst().orElseThrow();
    }

    /** Every method, whole file in one call: to a checking pipe, or (copy_file_range) to a file. */
    @Tag("slow")
    @ParameterizedTest
    @EnumSource(TransferMethod.class)
    void wholeFileInOneCall(TransferMethod method) throws Exception {
        for (SparseFile f : FILES) {
            if (method == TransferMethod.COPY_FILE_RANGE) {
                copyToFile(f);
            } else {
                toCheckingPipe(method, f);
            }
        }
    }

    /** The same for sendfile into a pipe, past 4 GiB: in the normal suite (sendfile is the fastest path over a hole). */
    @Test
    void sendfileOver4GiBToPipe() throws Exception {
        toCheckingPipe(TransferMethod.SENDFILE, file(OVER_4G));
    }

    /** Over 2 GiB in one call to a loopback TCP connection: count and tail checked. */
    @Tag("slow")
    @ParameterizedTest
    @EnumSource(value = TransferMethod.class, names = "COPY_FILE_RANGE", mode = EnumSource.Mode.EXCLUDE)
    void over2GiBToTcp(TransferMethod method) throws Exception {
        SparseFile f = file(OVER_2G);
        Targets.Options options = new Targets.Options().hashFrom(f.size() - EDGE);
        try (FileChannel in = FileChannel.open(f.path()); Targets.Target target = Targets.open(Targets.Kind.TCP, dir, options)) {
            assertEquals(f.size(), NativeZeroCopy.transfer(method, Fds.of(in), target.fd(), 0, Long.MAX_VALUE),
                    "bytes moved in one call");
            Received received = target.finish();
            assertEquals(f.size(), received.count(), "bytes received");
            assertEquals(Hashing.of(f.tail()), received.sha256(), "SHA-256 of the tail");
        }
    }

    static Stream<Arguments> servedPairsAndFiles() {
        return Methods.servedPairs().flatMap(a -> Stream.of(OVER_2G, OVER_4G).map(size -> Arguments.of(a.get()[0], a.get()[1], size)));
    }

    /**
     * Reading from an offset past 2^31 and past 2^32 (off_t/loff_t carry it whole), through every
     * method and target kind, to the end of file: only the tail is read, so it is cheap.
     */
    @ParameterizedTest(name = "{0} -> {1}, file of {2} bytes")
    @MethodSource("servedPairsAndFiles")
    void offsetsPast2And4GiB(TransferMethod method, Targets.Kind kind, long size) throws Exception {
        SparseFile f = file(size);
        long offset = size - EDGE + 1;
        try (FileChannel in = FileChannel.open(f.path()); Targets.Target target = Targets.open(kind, dir)) {
            assertEquals(EDGE - 1, NativeZeroCopy.transfer(method, Fds.of(in), target.fd(), offset, 1L << 33));
            Received received = target.finish();
            assertEquals(EDGE - 1, received.count());
            assertEquals(Hashing.of(f.tail(), 1, EDGE - 1), received.sha256());
        }
    }

    private static void toCheckingPipe(TransferMethod method, SparseFile f) throws Exception {
        try (FileChannel in = FileChannel.open(f.path()); PipeChecker sink = new PipeChecker(f)) {
            assertEquals(f.size(), NativeZeroCopy.transfer(method, Fds.of(in), sink.fd(), 0, f.size()), method + " " + f);
            sink.finish(f.size());
        }
    }

    /** copy_file_range writes a real (not sparse) copy on ext4: checked at the edges and across the 0x7ffff000, 2^31 and 2^32 boundaries. */
    private static void copyToFile(SparseFile f) throws Exception {
        Path dst = dir.resolve("copy-" + f.size());
        try (FileChannel in = FileChannel.open(f.path());
             FileChannel out = FileChannel.open(dst, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
            assertEquals(f.size(), NativeZeroCopy.copyFileRange(Fds.of(in), Fds.of(out), 0, f.size()));
            assertEquals(f.size(), out.size());
            assertArrayEquals(f.head(), read(out, 0, EDGE));
            assertArrayEquals(f.tail(), read(out, f.size() - EDGE, EDGE));
            for (long boundary : new long[] {0x7ffff000L, 1L << 31, 1L << 32}) {
                if (boundary + 4096 < f.size() - EDGE) {
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

    /**
     * A pipe whose reader checks, as the bytes stream by, head, zeros and tail of a sparse file
     * (hashing 4 GiB would cost more than the transfer).
     */
    private static final class PipeChecker implements AutoCloseable {
        private final Pipe pipe = Pipe.open();
        private final Future<Long> reader;

        PipeChecker(SparseFile f) throws IOException {
            reader = POOL.submit(() -> {
                try {
                    return check(f.size(), f.head(), f.tail());
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
                    int len;
                    if (p < EDGE) {
                        len = (int) Math.min(n - k, EDGE - p);
                        assertEquals(-1, Arrays.mismatch(a, k, k + len, head, (int) p, (int) p + len), "head at " + p);
                    } else if (p < size - EDGE) {
                        len = (int) Math.min(n - k, size - EDGE - p);
                        assertEquals(-1, Arrays.mismatch(a, k, k + len, zeros, 0, len), "hole at " + p);
                    } else {
                        int t = (int) (p - (size - EDGE));
                        len = Math.min(n - k, EDGE - t);
                        assertEquals(-1, Arrays.mismatch(a, k, k + len, tail, t, t + len), "tail at " + p);
                    }
                    k += len;
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
