package dev.zerocopy;

import static dev.zerocopy.ChannelTestSupport.async;
import static dev.zerocopy.ChannelTestSupport.readAll;
import static dev.zerocopy.ChannelTestSupport.sameAsNio;
import static dev.zerocopy.ChannelTestSupport.slice;
import static dev.zerocopy.testkit.Sources.randomBytes;

import dev.zerocopy.testkit.Hashing;
import dev.zerocopy.testkit.Loopback;
import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerocopy.ChannelTestSupport.Impl;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The same scenarios through FileChannel (the JDK), ZeroCopyFileChannel and ZeroCopyChannels'
 * static methods: every observable result (return value, both positions, the bytes the target
 * got, the exception type) must be identical. Offsets and lengths follow the JDK's own jtreg
 * transfer tests (0..6, 2^i +/- 1, past the end).
 */
class ChannelsContractTest {
    @TempDir
    Path dir;
    /** A directory on tmpfs, to cross filesystems (copy_file_range answers EXDEV, HAZARDS 5). */
    Path shm;

    @BeforeEach
    void shm() throws IOException {
        shm = Files.createTempDirectory(Paths.get("/dev/shm"), "zc-contract-");
    }

    @AfterEach
    void cleanShm() throws IOException {
        try (Stream<Path> s = Files.walk(shm)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private Path file(Path in, String name, byte[] data) throws IOException {
        return Files.write(in.resolve(name), data);
    }

    private static final long[] POSITIONS = {0, 1, 2, 5, 6, 4095, 4096, 4097, 65535, 65537, 99_999, 100_000, 100_001};
    private static final long[] COUNTS = {0, 1, 3, 6, 4097, 65536, 99_999, 100_000, 1 << 20, Long.MAX_VALUE};

    @Test
    void fileToFileOffsetsAndCounts() throws Exception {
        byte[] data = randomBytes(100_000, 1);
        Path src = file(dir, "src", data);
        int[] i = {0};
        for (long pos : POSITIONS) {
            for (long count : COUNTS) {
                sameAsNio(impl -> {
                    Path dst = dir.resolve("dst-" + impl + "-" + i[0]++);
                    Files.write(dst, new byte[] {9, 9, 9});
                    try (FileChannel in = impl.open(src, READ); FileChannel out = impl.open(dst, READ, WRITE)) {
                        in.position(7);
                        out.position(2); // overwrite from the middle, grow past the end
                        long n = impl.transferTo(in, pos, count, out);
                        return "n=" + n + " srcPos=" + in.position() + " dstPos=" + out.position() + " dst=" + Hashing.of(Files.readAllBytes(dst));
                    }
                });
            }
        }
    }

    /**
     * A source that grows during the transfer, here because it is its own target: the count is
     * capped at the size on entry, so Long.MAX_VALUE copies the file once and stops (without the
     * cap, each chunk written would be read again until the disk filled).
     */
    @Test
    void fileOntoItsOwnEndStopsAtTheSizeOnEntry() throws Exception {
        byte[] data = randomBytes(3 * 1024 * 1024 + 11, 9);
        Map<Impl, String> r = sameAsNio(impl -> {
            Path f = file(dir, "self-" + impl, data);
            try (FileChannel ch = impl.open(f, READ, WRITE)) {
                ch.position(ch.size());
                long n = impl.transferTo(ch, 0, Long.MAX_VALUE, ch);
                return "n=" + n + " pos=" + ch.position() + " file=" + Hashing.of(Files.readAllBytes(f));
            }
        });
        byte[] twice = new byte[2 * data.length];
        System.arraycopy(data, 0, twice, 0, data.length);
        System.arraycopy(data, 0, twice, data.length, data.length);
        assertTrue(r.get(Impl.NIO).startsWith("n=" + data.length + " "), r.toString());
        assertTrue(r.get(Impl.NIO).endsWith(Hashing.of(twice)), r.toString());
    }

    @Test
    void fileToFileAcrossFilesystems() throws Exception {
        byte[] data = randomBytes(3 * 1024 * 1024 + 5, 2);
        for (Path[] dirs : new Path[][] {{shm, dir}, {dir, shm}}) {
            Path src = file(dirs[0], "cross-src", data);
            Map<Impl, String> r = sameAsNio(impl -> {
                Path dst = dirs[1].resolve("cross-dst-" + impl);
                try (FileChannel in = impl.open(src, READ); FileChannel out = impl.open(dst, CREATE, WRITE)) {
                    long n = impl.transferTo(in, 3, Long.MAX_VALUE, out);
                    return "n=" + n + " srcPos=" + in.position() + " dstPos=" + out.position() + " dst=" + Hashing.of(Files.readAllBytes(dst));
                }
            });
            assertTrue(r.get(Impl.NIO).endsWith(Hashing.of(data, 3, data.length - 3)), r.toString());
        }
    }

    @Test
    void appendTarget() throws Exception {
        byte[] data = randomBytes(300_000, 3);
        Path src = file(dir, "src", data);
        Map<Impl, String> r = sameAsNio(impl -> {
            Path dst = file(dir, "append-" + impl, "prefix".getBytes());
            try (FileChannel in = impl.open(src, READ); FileChannel out = impl.open(dst, WRITE, APPEND)) {
                long n1 = impl.transferTo(in, 10, 1000, out);
                long n2 = impl.transferTo(in, 0, Long.MAX_VALUE, out);
                return "n=" + n1 + "," + n2 + " srcPos=" + in.position() + " dstPos=" + out.position() + " dst=" + Hashing.of(Files.readAllBytes(dst));
            }
        });
        byte[] expect = new byte[6 + 1000 + data.length];
        System.arraycopy("prefix".getBytes(), 0, expect, 0, 6);
        System.arraycopy(data, 10, expect, 6, 1000);
        System.arraycopy(data, 0, expect, 1006, data.length);
        assertTrue(r.get(Impl.WRAPPED).endsWith(Hashing.of(expect)), r.toString());
    }

    @Test
    void fileToPipe() throws Exception {
        byte[] data = randomBytes(3 * 1024 * 1024 + 1, 4);
        Path src = file(dir, "src", data);
        Map<Impl, String> r = sameAsNio(impl -> {
            Pipe pipe = Pipe.open();
            Future<byte[]> got = async(() -> readAll(pipe.source(), 32 * 1024, 0));
            long total = 0;
            try (FileChannel in = impl.open(src, READ)) {
                while (true) { // the JDK returns after one sendfile into the pipe; loop to the end
                    long n = impl.transferTo(in, 1 + total, Long.MAX_VALUE, pipe.sink());
                    if (n == 0) {
                        break;
                    }
                    total += n;
                }
                pipe.sink().close();
            }
            byte[] b = got.get(30, TimeUnit.SECONDS);
            pipe.source().close();
            return "total=" + total + " got=" + Hashing.of(b);
        });
        assertTrue(r.get(Impl.NIO).endsWith(Hashing.of(data, 1, data.length - 1)));
    }

    @Test
    void fileToBlockingSocketSmallBufferSlowReader() throws Exception {
        byte[] data = randomBytes(512 * 1024 + 3, 5);
        Path src = file(dir, "src", data);
        sameAsNio(impl -> {
            try (Loopback sp = Loopback.openSetReceiveBufferAfterAccept(8192); FileChannel in = impl.open(src, READ)) {
                sp.server.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 256 * 1024);
                Future<byte[]> got = async(() -> readAll(sp.server, 64 * 1024, 2));
                long total = 0;
                while (total < data.length) { // a blocking target may still take less than asked
                    total += impl.transferTo(in, total, data.length - total, sp.client);
                }
                long pos = in.position();
                sp.client.shutdownOutput();
                byte[] b = got.get(60, TimeUnit.SECONDS);
                assertArrayEquals(data, b);
                return "total=" + total + " srcPos=" + pos;
            }
        });
    }

    /** HAZARDS 3: a full non-blocking socket gives a partial count or 0, and exactly that many bytes arrive. */
    @Test
    void fileToNonBlockingSocketReportsExactlyWhatWasSent() throws Exception {
        byte[] data = randomBytes(4 * 1024 * 1024, 6);
        Path src = file(dir, "src", data);
        sameAsNio(impl -> {
            try (Loopback sp = Loopback.openSetReceiveBufferAfterAccept(8192); FileChannel in = impl.open(src, READ)) {
                sp.client.configureBlocking(false);
                long first = impl.transferTo(in, 0, data.length, sp.client);
                long again = impl.transferTo(in, first, data.length - first, sp.client); // still full
                assertTrue(first > 0 && first < data.length, "partial first send: " + first);
                sp.client.configureBlocking(true);
                sp.client.shutdownOutput();
                byte[] b = readAll(sp.server, 64 * 1024, 0);
                // Nothing past what was reported: the receiver got exactly first + again bytes.
                assertEquals(first + again, b.length);
                assertArrayEquals(slice(data, 0, b.length), b);
                return "exact srcPos=" + in.position();
            }
        });
    }

    /** A channel without an fd: the Java loop. */
    @Test
    void fileToUserChannel() throws Exception {
        byte[] data = randomBytes(200_001, 7);
        Path src = file(dir, "src", data);
        sameAsNio(impl -> {
            ByteArrayOutputStream bos = new ByteArrayOutputStream();
            try (FileChannel in = impl.open(src, READ)) {
                long n = impl.transferTo(in, 17, 150_000, Channels.newChannel(bos));
                return "n=" + n + " got=" + Hashing.of(bos.toByteArray()) + " srcPos=" + in.position();
            }
        });
    }

    /** procfs files claim size 0. JDK 21+ copies their content with a read loop; JDK 17 returns 0. */
    @Test
    void procSource() throws Exception {
        Path proc = Paths.get("/proc/version");
        byte[] content = Files.readAllBytes(proc);
        for (Impl impl : Impl.values()) {
            Path dst = dir.resolve("proc-" + impl);
            long n;
            try (FileChannel in = impl.open(proc, READ); FileChannel out = impl.open(dst, CREATE, WRITE)) {
                n = impl.transferTo(in, 0, 1 << 20, out);
            }
            byte[] got = Files.readAllBytes(dst);
            if (impl == Impl.NIO && Runtime.version().feature() < 21) {
                assertEquals(0, n, "JDK 17 transferTo from /proc");
                continue;
            }
            assertEquals(content.length, n, impl.toString());
            assertArrayEquals(content, got, impl.toString());
        }
    }

    /**
     * A non-blocking target gets one sendfile and no fstat for the size (ChannelTransferTo), and so
     * does a blocking pipe, socket or device for a transfer of at most one chunk: the end of file
     * must still come out as the JDK's. Positions inside, at and past the end of a 60,000-byte
     * file, counts short of and beyond it (Long.MAX_VALUE takes the path that reads the size
     * first), to a pipe that holds the whole file (64 KiB in 16 page buffers: a fuller pipe would
     * end the JDK's write and a sendfile at different counts, as a misaligned offset fills a page
     * buffer short); then procfs, whose size of 0 only the call that finds the end reveals.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void endOfFileWithoutTheSize(boolean blocking) throws Exception {
        byte[] data = randomBytes(60_000, 12);
        Path src = file(dir, "src", data);
        for (long pos : new long[] {0, 4097, 59_999, 60_000, 60_001, 1L << 40}) {
            for (long count : new long[] {0, 1, 5000, 1 << 20, Long.MAX_VALUE}) {
                sameAsNio(impl -> {
                    Pipe pipe = Pipe.open();
                    try (Pipe.SinkChannel sink = pipe.sink(); Pipe.SourceChannel source = pipe.source();
                         FileChannel in = impl.open(src, READ)) {
                        sink.configureBlocking(blocking);
                        source.configureBlocking(false);
                        long n = impl.transferTo(in, pos, count, sink);
                        ByteArrayOutputStream got = new ByteArrayOutputStream();
                        ByteBuffer buf = ByteBuffer.allocate(8192);
                        for (int r; (r = source.read(buf.clear())) > 0; ) {
                            got.write(buf.array(), 0, r);
                        }
                        int from = (int) Math.min(pos, data.length);
                        assertEquals(Hashing.of(data, from, (int) n), Hashing.of(got.toByteArray()), impl + " pos " + pos);
                        return "n=" + n + " srcPos=" + in.position();
                    }
                });
            }
        }
        for (String procFile : new String[] {"/proc/version", "/proc/self/status"}) { // sendfile takes one, refuses the other
            Path proc = Paths.get(procFile);
            for (Impl impl : Impl.values()) {
                Pipe pipe = Pipe.open();
                try (Pipe.SinkChannel sink = pipe.sink(); Pipe.SourceChannel source = pipe.source();
                     FileChannel in = impl.open(proc, READ)) {
                    sink.configureBlocking(blocking);
                    source.configureBlocking(false);
                    byte[] content = Files.readAllBytes(proc);
                    long n = impl.transferTo(in, 0, 1 << 20, sink);
                    if (impl == Impl.NIO && Runtime.version().feature() < 21) {
                        assertEquals(0, n, "JDK 17 transferTo from " + proc);
                        continue;
                    }
                    ByteBuffer got = ByteBuffer.allocate((int) n);
                    while (got.hasRemaining() && source.read(got) > 0) {
                        // a pipe holds far more than these files: all of it is there
                    }
                    if (procFile.equals("/proc/version")) {
                        assertArrayEquals(content, got.array(), impl + " " + proc);
                    } else {
                        // /proc/self/status changes from one read to the next: its first line does not
                        assertTrue(n > 0 && new String(got.array()).startsWith(new String(content).split("\n")[0] + "\n"),
                                impl + " " + proc + ": " + new String(got.array()));
                    }
                }
            }
        }
    }

    @Test
    void argumentAndStateErrors() throws Exception {
        byte[] data = randomBytes(1000, 8);
        Path src = file(dir, "src", data);
        Path dst = dir.resolve("dst");
        Files.write(dst, new byte[0]);
        List<String> all = new ArrayList<>();
        // closed source, closed target, both
        all.add(sameAsNio(impl -> {
            FileChannel in = impl.open(src, READ);
            in.close();
            try (FileChannel out = impl.open(dst, WRITE)) {
                return "n=" + impl.transferTo(in, 0, 10, out);
            }
        }).get(Impl.NIO));
        all.add(sameAsNio(impl -> {
            FileChannel out = impl.open(dst, WRITE);
            out.close();
            try (FileChannel in = impl.open(src, READ)) {
                return "n=" + impl.transferTo(in, 0, 10, out);
            }
        }).get(Impl.NIO));
        all.add(sameAsNio(impl -> {
            try (Loopback sp = Loopback.open(0, 0); FileChannel in = impl.open(src, READ)) {
                sp.client.close();
                return "n=" + impl.transferTo(in, 0, 10, sp.client);
            }
        }).get(Impl.NIO));
        // a source not open for reading, a file target not open for writing
        all.add(sameAsNio(impl -> {
            try (FileChannel in = impl.open(src, WRITE); FileChannel out = impl.open(dst, WRITE)) {
                return "n=" + impl.transferTo(in, 0, 10, out);
            }
        }).get(Impl.NIO));
        all.add(sameAsNio(impl -> {
            try (FileChannel in = impl.open(src, READ); FileChannel out = impl.open(dst, READ)) {
                return "n=" + impl.transferTo(in, 0, 10, out);
            }
        }).get(Impl.NIO));
        // negative arguments; position past the end
        for (long[] pc : new long[][] {{-1, 10}, {0, -1}, {1001, 10}, {1000, 10}}) {
            all.add(sameAsNio(impl -> {
                try (FileChannel in = impl.open(src, READ); FileChannel out = impl.open(dst, WRITE)) {
                    return "n=" + impl.transferTo(in, pc[0], pc[1], out) + " dstPos=" + out.position();
                }
            }).get(Impl.NIO));
        }
        assertEquals(List.of("threw ClosedChannelException", "threw ClosedChannelException", "threw ClosedChannelException",
                "threw NonReadableChannelException", "threw NonWritableChannelException",
                "threw IllegalArgumentException", "threw IllegalArgumentException", "n=0 dstPos=0", "n=0 dstPos=0"), all);
    }

    // ---------------------------------------------------------------- transferFrom

    @Test
    void fileToFileFrom() throws Exception {
        byte[] data = randomBytes(100_000, 9);
        Path srcExt4 = file(dir, "src", data);
        Path srcTmpfs = file(shm, "src", data);
        int[] i = {0};
        for (long pos : new long[] {0, 1, 3, 4096, 10}) { // the dst holds 10 bytes: 11 would be past its end
            for (long count : COUNTS) {
                for (Path where : new Path[] {dir, shm}) { // ext4 -> ext4, ext4 -> tmpfs, tmpfs -> ext4
                    Path src = where == shm ? srcExt4 : (i[0] % 2 == 0 ? srcExt4 : srcTmpfs);
                    sameAsNio(impl -> {
                        Path dst = file(where, "from-" + impl + "-" + i[0]++, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
                        try (FileChannel in = impl.open(src, READ); FileChannel out = impl.open(dst, READ, WRITE)) {
                            in.position(5);
                            out.position(4);
                            long n = impl.transferFrom(out, in, pos, count);
                            return "pos=" + pos + " count=" + count + " in " + where.getFileName() + ": n=" + n + " srcPos=" + in.position() + " dstPos=" + out.position() + " dst=" + Hashing.of(Files.readAllBytes(dst));
                        }
                    });
                }
            }
        }
        sameAsNio(impl -> {
            Path dst = file(dir, "past-" + impl, new byte[10]);
            try (FileChannel in = impl.open(srcExt4, READ); FileChannel out = impl.open(dst, READ, WRITE)) {
                return "n=" + impl.transferFrom(out, in, 11, 5) + " srcPos=" + in.position() + " size=" + out.size();
            }
        });
    }

    @Test
    void appendTargetFrom() throws Exception {
        byte[] data = randomBytes(70_000, 10);
        Path src = file(dir, "src", data);
        sameAsNio(impl -> {
            Path dst = file(dir, "append-from-" + impl, "0123456789".getBytes());
            try (FileChannel in = impl.open(src, READ); FileChannel out = impl.open(dst, WRITE, APPEND)) {
                long n = impl.transferFrom(out, in, 2, 50_000);
                return "n=" + n + " srcPos=" + in.position() + " dst=" + Hashing.of(Files.readAllBytes(dst));
            }
        });
    }

    @Test
    void pipeToFile() throws Exception {
        byte[] data = randomBytes(1024 * 1024 + 7, 11);
        Map<Impl, String> r = sameAsNio(impl -> {
            Pipe pipe = Pipe.open();
            Future<Void> writer = async(() -> {
                try (Pipe.SinkChannel sink = pipe.sink()) {
                    ByteBuffer bb = ByteBuffer.wrap(data);
                    while (bb.hasRemaining()) {
                        sink.write(bb);
                    }
                }
                return null;
            });
            Path dst = file(dir, "pipe-" + impl, new byte[] {1, 2, 3});
            try (FileChannel out = impl.open(dst, READ, WRITE); Pipe.SourceChannel source = pipe.source()) {
                long total = 0;
                while (true) { // a blocking source may return early; loop to the count or end of stream
                    long n = impl.transferFrom(out, source, 3 + total, data.length + 100 - total);
                    if (n == 0) {
                        break;
                    }
                    total += n;
                }
                writer.get(30, TimeUnit.SECONDS);
                return "total=" + total + " dstPos=" + out.position() + " dst=" + Hashing.of(Files.readAllBytes(dst));
            }
        });
        byte[] expect = new byte[3 + data.length];
        expect[0] = 1;
        expect[1] = 2;
        expect[2] = 3;
        System.arraycopy(data, 0, expect, 3, data.length);
        assertTrue(r.get(Impl.NIO).endsWith(Hashing.of(expect)));
    }

    @Test
    void blockingSocketToFileTakesNoMoreThanCount() throws Exception {
        byte[] data = randomBytes(3 * 1024 * 1024, 12);
        sameAsNio(impl -> {
            try (Loopback sp = Loopback.open(0, 0)) {
                Future<Void> writer = async(() -> {
                    ByteBuffer bb = ByteBuffer.wrap(data);
                    while (bb.hasRemaining()) {
                        sp.client.write(bb);
                    }
                    sp.client.shutdownOutput();
                    return null;
                });
                Path dst = dir.resolve("sock-" + impl);
                Files.write(dst, new byte[0]);
                long count = 2 * 1024 * 1024 + 1;
                long total = 0;
                try (FileChannel out = impl.open(dst, READ, WRITE)) {
                    while (total < count) {
                        long n = impl.transferFrom(out, sp.server, total, count - total);
                        if (n == 0) {
                            break;
                        }
                        total += n;
                    }
                    // The rest is still in the socket: transferFrom took no byte past the count.
                    byte[] rest = readAll(sp.server, 65536, 0);
                    writer.get(30, TimeUnit.SECONDS);
                    assertArrayEquals(slice(data, count, data.length), rest);
                    assertArrayEquals(slice(data, 0, count), Files.readAllBytes(dst));
                    return "total=" + total + " dstPos=" + out.position();
                }
            }
        });
    }

    @Test
    void nonBlockingSocketToFile() throws Exception {
        byte[] data = randomBytes(100_000, 13);
        sameAsNio(impl -> {
            try (Loopback sp = Loopback.open(0, 0)) {
                sp.server.configureBlocking(false);
                Path dst = dir.resolve("nb-" + impl);
                Files.write(dst, new byte[0]);
                try (FileChannel out = impl.open(dst, READ, WRITE)) {
                    long empty = impl.transferFrom(out, sp.server, 0, 1000); // nothing sent yet: 0
                    sp.client.write(ByteBuffer.wrap(data));
                    long total = 0;
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                    while (total < data.length && System.nanoTime() < deadline) {
                        total += impl.transferFrom(out, sp.server, total, 1 << 20);
                    }
                    assertArrayEquals(data, Files.readAllBytes(dst));
                    return "empty=" + empty + " total=" + total;
                }
            }
        });
    }

    /** An interrupted thread closes the channel and gets ClosedByInterruptException (not the static methods: see ZeroCopyChannels). */
    @Test
    void interruptClosesTheChannel() throws Exception {
        Path src = file(dir, "src", randomBytes(100_000, 15));
        for (Impl impl : new Impl[] {Impl.NIO, Impl.WRAPPED}) {
            FileChannel in = impl.open(src, READ);
            try (FileChannel out = FileChannel.open(dir.resolve("int-" + impl), CREATE, WRITE)) {
                Thread.currentThread().interrupt();
                String r;
                try {
                    r = "n=" + impl.transferTo(in, 0, 100_000, out);
                } catch (IOException e) {
                    r = e.getClass().getSimpleName();
                }
                assertTrue(Thread.interrupted(), impl + ": the interrupt status stays set");
                assertEquals("ClosedByInterruptException open=false", r + " open=" + in.isOpen(), impl.toString());
            } finally {
                in.close();
            }
        }
    }

    /** A non-blocking pipe with nothing in it: 0 at once, then exactly what was written (splice honours O_NONBLOCK). */
    @Test
    void nonBlockingPipeToFile() throws Exception {
        byte[] data = randomBytes(50_000, 16);
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(20), () -> sameAsNio(impl -> {
            Pipe pipe = Pipe.open();
            try (Pipe.SourceChannel source = pipe.source(); Pipe.SinkChannel sink = pipe.sink()) {
                source.configureBlocking(false);
                Path dst = dir.resolve("nbpipe-" + impl);
                Files.write(dst, new byte[0]);
                try (FileChannel out = impl.open(dst, READ, WRITE)) {
                    long empty = impl.transferFrom(out, source, 0, 1000);
                    sink.write(ByteBuffer.wrap(data));
                    long total = 0;
                    long n;
                    while ((n = impl.transferFrom(out, source, total, 1 << 20)) > 0) {
                        total += n;
                    }
                    assertArrayEquals(data, Files.readAllBytes(dst));
                    return "empty=" + empty + " total=" + total;
                }
            }
        }));
    }

    @Test
    void transferFromErrors() throws Exception {
        Path src = file(dir, "src", randomBytes(100, 14));
        Path dst = file(dir, "dst", new byte[0]);
        List<String> all = new ArrayList<>();
        all.add(sameAsNio(impl -> {
            try (FileChannel in = impl.open(src, READ); FileChannel out = impl.open(dst, READ)) {
                return "n=" + impl.transferFrom(out, in, 0, 10);
            }
        }).get(Impl.NIO));
        all.add(sameAsNio(impl -> {
            FileChannel in = impl.open(src, READ);
            in.close();
            try (FileChannel out = impl.open(dst, WRITE)) {
                return "n=" + impl.transferFrom(out, in, 0, 10);
            }
        }).get(Impl.NIO));
        all.add(sameAsNio(impl -> {
            try (FileChannel in = impl.open(src, READ); FileChannel out = impl.open(dst, WRITE)) {
                return "n=" + impl.transferFrom(out, in, -1, 10);
            }
        }).get(Impl.NIO));
        assertEquals(List.of("threw NonWritableChannelException", "threw ClosedChannelException", "threw IllegalArgumentException"), all);
    }
}
