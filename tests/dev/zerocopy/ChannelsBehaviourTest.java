package dev.zerocopy;

import static dev.zerocopy.ChannelTestSupport.async;
import static dev.zerocopy.ChannelTestSupport.readAll;
import static dev.zerocopy.ChannelTestSupport.slice;
import static dev.zerocopy.testkit.Sources.randomBytes;

import dev.zerocopy.testkit.Loopback;
import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Path choice, fallbacks and their visibility, forcing a method, fd lifetime across a close. */
class ChannelsBehaviourTest {
    @TempDir
    Path dir;

    @BeforeEach
    void forget() {
        ZeroCopyChannels.resetRefusals();
    }

    private Path file(Path in, String name, byte[] data) throws IOException {
        return Files.write(in.resolve(name), data);
    }

    @Test
    void sameFilesystemUsesCopyFileRangeAndCrossingFallsBackVisibly() throws Exception {
        byte[] data = randomBytes(1 << 20, 1);
        Path src = file(dir, "src", data);
        try (FileChannel in = ZeroCopyFileChannel.open(src, READ); FileChannel out = FileChannel.open(dir.resolve("dst"), CREATE, WRITE)) {
            assertEquals(data.length, in.transferTo(0, data.length, out));
            assertEquals(TransferMethod.COPY_FILE_RANGE, ZeroCopyChannels.lastMethod());
            assertEquals(ChannelKind.FILE, ZeroCopyChannels.lastKind());
        }
        Path shmDir = Files.createTempDirectory(Paths.get("/dev/shm"), "zc-fallback-");
        Path shmDst = shmDir.resolve("dst");
        try {
            long before = ZeroCopyChannels.fallbackCount();
            try (FileChannel in = ZeroCopyFileChannel.open(src, READ); FileChannel out = FileChannel.open(shmDst, CREATE, WRITE)) {
                assertEquals(data.length, in.transferTo(0, data.length, out));
            }
            // ext4 -> tmpfs: copy_file_range answers EXDEV (HAZARDS 5), sendfile takes over.
            assertEquals(TransferMethod.SENDFILE, ZeroCopyChannels.lastMethod());
            assertEquals(before + 1, ZeroCopyChannels.fallbackCount());
            // EXDEV is about this pair of filesystems, not about files: not remembered.
            assertEquals(EnumSet.noneOf(TransferMethod.class), ZeroCopyChannels.refusedTransferTo(ChannelKind.FILE));
            assertArrayEquals(data, Files.readAllBytes(shmDst));
        } finally {
            Files.deleteIfExists(shmDst);
            Files.deleteIfExists(shmDir);
        }
    }

    @Test
    void appendTargetRefusalsAreRememberedForThatKindOnly() throws Exception {
        byte[] data = randomBytes(100_000, 2);
        Path src = file(dir, "src", data);
        Path dst = file(dir, "dst", new byte[] {7});
        long before = ZeroCopyChannels.fallbackCount();
        try (FileChannel in = ZeroCopyFileChannel.open(src, READ); FileChannel out = FileChannel.open(dst, WRITE, APPEND)) {
            assertEquals(data.length, in.transferTo(0, data.length, out));
            assertEquals(ChannelKind.APPEND_FILE, ZeroCopyChannels.lastKind());
            assertEquals(TransferMethod.READ_WRITE, ZeroCopyChannels.lastMethod());
            // copy_file_range: EBADF on O_APPEND; sendfile: EINVAL. Both learnt, for APPEND_FILE only.
            assertEquals(EnumSet.of(TransferMethod.COPY_FILE_RANGE, TransferMethod.SENDFILE),
                    ZeroCopyChannels.refusedTransferTo(ChannelKind.APPEND_FILE));
            assertEquals(before + 2, ZeroCopyChannels.fallbackCount());
            assertEquals(EnumSet.noneOf(TransferMethod.class), ZeroCopyChannels.refusedTransferTo(ChannelKind.FILE));
            // The second call goes straight to the plain copy: no new fallback.
            assertEquals(data.length, in.transferTo(0, data.length, out));
            assertEquals(before + 2, ZeroCopyChannels.fallbackCount());
        }
        byte[] got = Files.readAllBytes(dst);
        assertEquals(1 + 2 * data.length, got.length);
        assertArrayEquals(data, slice(got, 1, 1 + data.length));
        assertArrayEquals(data, slice(got, 1 + data.length, got.length));
    }

    @Test
    void socketTargetUsesSendfileAndPipeSourceUsesSplice() throws Exception {
        byte[] data = randomBytes(3 << 20, 3);
        Path src = file(dir, "src", data);
        try (Loopback sp = Loopback.open(0, 0); FileChannel in = ZeroCopyFileChannel.open(src, READ)) {
            Future<byte[]> got = async(() -> readAll(sp.server, 65536, 0));
            assertEquals(data.length, in.transferTo(0, data.length, sp.client));
            assertEquals(TransferMethod.SENDFILE, ZeroCopyChannels.lastMethod());
            assertEquals(ChannelKind.SOCKET, ZeroCopyChannels.lastKind());
            sp.client.shutdownOutput();
            assertArrayEquals(data, got.get(30, TimeUnit.SECONDS));
        }
        try (Loopback sp = Loopback.open(0, 0); FileChannel out = ZeroCopyFileChannel.open(dir.resolve("recv"), CREATE, READ, WRITE)) {
            async(() -> {
                sp.client.write(ByteBuffer.wrap(data));
                sp.client.shutdownOutput();
                return null;
            });
            long total = 0;
            long n;
            while ((n = out.transferFrom(sp.server, total, Long.MAX_VALUE)) > 0) {
                total += n;
                assertEquals(TransferMethod.SPLICE, ZeroCopyChannels.lastMethod()); // the zero-copy receive
                assertEquals(ChannelKind.SOCKET, ZeroCopyChannels.lastKind());
            }
            assertEquals(data.length, total);
            assertEquals(0, out.position(), "transferFrom must not move the target's position");
            assertArrayEquals(data, Files.readAllBytes(dir.resolve("recv")));
        }
    }

    @ParameterizedTest
    @EnumSource(value = TransferMethod.class, names = {"SENDFILE", "SPLICE", "MMAP_WRITE", "READ_WRITE"})
    void forcedPerThreadAndPerChannel(TransferMethod method) throws Exception {
        byte[] data = randomBytes(2 << 20, 4);
        Path src = file(dir, "src", data);
        // Per thread: a plain JDK FileChannel through the static method, and a wrapped one.
        try (ZeroCopyChannels.MethodScope forced = ZeroCopyChannels.forceMethod(method)) {
            assertEquals(method, ZeroCopyChannels.forcedMethod());
            for (boolean wrapped : new boolean[] {false, true}) {
                try (Loopback sp = Loopback.open(0, 0); FileChannel in = wrapped ? ZeroCopyFileChannel.open(src, READ) : FileChannel.open(src, READ)) {
                    Future<byte[]> got = async(() -> readAll(sp.server, 65536, 0));
                    long n = wrapped ? in.transferTo(5, data.length, sp.client) : ZeroCopyChannels.transferTo(in, 5, data.length, sp.client);
                    assertEquals(data.length - 5, n);
                    assertEquals(method, ZeroCopyChannels.lastMethod());
                    sp.client.shutdownOutput();
                    assertArrayEquals(slice(data, 5, data.length), got.get(30, TimeUnit.SECONDS));
                }
            }
        }
        assertNull(ZeroCopyChannels.forcedMethod(), "the scope restores the previous choice");
        // Per channel.
        try (ZeroCopyFileChannel in = ZeroCopyFileChannel.open(src, READ)) {
            in.forceMethod(method);
            Pipe pipe = Pipe.open();
            Future<byte[]> got = async(() -> readAll(pipe.source(), 65536, 0));
            assertEquals(data.length, in.transferTo(0, data.length, pipe.sink()));
            assertEquals(method, ZeroCopyChannels.lastMethod());
            assertEquals(ChannelKind.PIPE, ZeroCopyChannels.lastKind());
            pipe.sink().close();
            assertArrayEquals(data, got.get(30, TimeUnit.SECONDS));
            pipe.source().close();
        }
    }

    @Test
    void aForcedMethodIsExactlyThatMethodWithNoFallback() throws Exception {
        Path src = file(dir, "src", randomBytes(1000, 5));
        try (Loopback sp = Loopback.open(0, 0); ZeroCopyFileChannel in = ZeroCopyFileChannel.open(src, READ)) {
            in.forceMethod(TransferMethod.COPY_FILE_RANGE);
            // copy_file_range(2): EINVAL when fd_out is not a regular file.
            ErrnoException e = assertThrows(ErrnoException.class, () -> in.transferTo(0, 1000, sp.client));
            assertEquals("EINVAL", e.errnoName());
            assertEquals(0, e.bytesTransferred());
            in.forceMethod(TransferMethod.SPLICE);
            assertThrows(UnsupportedOperationException.class,
                    () -> in.transferTo(0, 1000, Channels.newChannel(new ByteArrayOutputStream())));
        }
        try (FileChannel in = FileChannel.open(src, READ); ZeroCopyFileChannel out = ZeroCopyFileChannel.open(dir.resolve("d"), CREATE, WRITE)) {
            out.forceMethod(TransferMethod.SENDFILE);
            assertThrows(UnsupportedOperationException.class, () -> out.transferFrom(in, 0, 10));
            out.forceMethod(TransferMethod.SPLICE); // file -> pipe -> file at the position
            assertEquals(1000, out.transferFrom(in, 0, 5000));
            assertEquals(TransferMethod.SPLICE, ZeroCopyChannels.lastMethod());
            assertEquals(1000, in.position(), "transferFrom reads its source normally");
            assertEquals(0, out.position());
        }
        assertArrayEquals(Files.readAllBytes(src), Files.readAllBytes(dir.resolve("d")));
    }

    /**
     * HAZARDS 1: more than 4 GiB in one transferTo (the kernel moves at most 0x7ffff000 per call,
     * this layer 8 MiB per native call), the source position untouched. /dev/null as the target
     * (kind OTHER) keeps it cheap; the bytes themselves are checked by the contract tests.
     */
    @Test
    @org.junit.jupiter.api.Tag("slow")
    void moreThanFourGibInOneCall() throws Exception {
        long size = (4L << 30) + 4097;
        Path src = dir.resolve("sparse");
        try (FileChannel f = FileChannel.open(src, CREATE, WRITE)) {
            f.write(ByteBuffer.wrap(randomBytes(4097, 9)), size - 4097);
        }
        try (FileChannel in = ZeroCopyFileChannel.open(src, READ); FileChannel out = FileChannel.open(Paths.get("/dev/null"), WRITE)) {
            in.position(3);
            assertEquals(size - 1, in.transferTo(1, Long.MAX_VALUE, out));
            assertEquals(ChannelKind.OTHER, ZeroCopyChannels.lastKind());
            assertEquals(TransferMethod.SENDFILE, ZeroCopyChannels.lastMethod());
            assertEquals(3, in.position());
        }
    }

    /** HAZARDS 6: the per-thread pipe is reused and never leaks, including after resets mid-receive. */
    @Test
    void noDescriptorGrowsOverManyTransfers() throws Exception {
        byte[] data = randomBytes(200_000, 6);
        Path src = file(dir, "src", data);
        Path dst = dir.resolve("dst");
        warmUp(src, dst, data);
        long before = openFds();
        warmUp(src, dst, data);
        for (int i = 0; i < 300; i++) {
            // a peer that resets mid-transfer, while splice has bytes in the pipe
            try (Loopback sp = Loopback.open(0, 0); ZeroCopyFileChannel in = ZeroCopyFileChannel.open(src, READ)) {
                sp.server.setOption(java.net.StandardSocketOptions.SO_LINGER, 0);
                sp.server.close();
                in.forceMethod(i % 2 == 0 ? TransferMethod.SPLICE : null);
                try {
                    while (in.transferTo(0, data.length, sp.client) > 0) {
                        // until the reset arrives
                    }
                } catch (IOException expected) {
                    // EPIPE / ECONNRESET
                }
            }
        }
        assertTrue(openFds() <= before, "fds open before: " + before + ", after: " + openFds());
    }

    private void warmUp(Path src, Path dst, byte[] data) throws Exception {
        for (int i = 0; i < 50; i++) {
            try (Loopback sp = Loopback.open(0, 0); FileChannel out = ZeroCopyFileChannel.open(dst, CREATE, WRITE, READ)) {
                sp.client.write(ByteBuffer.wrap(data, 0, 1000));
                sp.client.close();
                assertEquals(1000, out.transferFrom(sp.server, 0, 5000));
            }
        }
    }

    private static long openFds() throws IOException {
        System.gc(); // channels other tests dropped without closing would otherwise close at random times
        try (var s = Files.list(Paths.get("/proc/self/fd"))) {
            return s.count();
        }
    }

    /**
     * HAZARDS 13: a channel closed from another thread during a transfer frees its fd number, and
     * the next file the process opens gets it. Not one byte may go to (or come from) that file.
     */
    @Test
    void closingTheTargetDuringATransferSendsNothingToTheReusedNumber() throws Exception {
        byte[] data = randomBytes(24 << 20, 7);
        Path src = file(dir, "src", data);
        try (Loopback sp = Loopback.openSetReceiveBufferAfterAccept(64 * 1024); FileChannel in = ZeroCopyFileChannel.open(src, READ)) {
            AtomicLong received = new AtomicLong();
            Future<byte[]> got = async(() -> readAll(sp.server, 64 * 1024, 1, received));
            Future<Long> sent = async(() -> in.transferTo(0, data.length, sp.client));
            waitFor(received, 1 << 20);
            int number = Fds.of(sp.client);
            sp.client.close();
            List<FileChannel> grabbers = grab(number, WRITE);
            long n = sent.get(60, TimeUnit.SECONDS);
            byte[] b = got.get(60, TimeUnit.SECONDS);
            assertEmpty(grabbers);
            // Exactly what was reported arrived, and it is the file's prefix.
            assertTrue(n < data.length, "the transfer stops soon after the close: " + n);
            assertEquals(n, b.length);
            assertArrayEquals(slice(data, 0, n), b);
        }
    }

    @Test
    void closingTheSourceDuringATransferReadsNothingFromTheReusedNumber() throws Exception {
        byte[] data = randomBytes(24 << 20, 8);
        Path src = file(dir, "src", data);
        try (Loopback sp = Loopback.openSetReceiveBufferAfterAccept(64 * 1024)) {
            ZeroCopyFileChannel in = ZeroCopyFileChannel.open(src, READ);
            AtomicLong received = new AtomicLong();
            Future<byte[]> got = async(() -> readAll(sp.server, 64 * 1024, 1, received));
            Future<Long> sent = async(() -> {
                long n = in.transferTo(0, data.length, sp.client);
                sp.client.shutdownOutput();
                return n;
            });
            waitFor(received, 1 << 20);
            int number = Fds.of(in.delegate());
            in.close();
            // A file with other bytes on the freed number: reading it would corrupt the stream.
            Path other = file(dir, "other", randomBytes(data.length, 99));
            List<FileChannel> grabbers = grab(number, READ, other);
            long n = sent.get(60, TimeUnit.SECONDS);
            byte[] b = got.get(60, TimeUnit.SECONDS);
            for (FileChannel g : grabbers) {
                g.close();
            }
            assertTrue(n < data.length, "the transfer stops soon after the close: " + n);
            assertEquals(n, b.length);
            assertArrayEquals(slice(data, 0, n), b);
        }
    }

    private static void waitFor(AtomicLong counter, long atLeast) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (counter.get() < atLeast) {
            assertTrue(System.nanoTime() < deadline, "the transfer did not start");
            Thread.sleep(1);
        }
    }

    /** Opens files until one gets `number` (the lowest free fd is handed out first). */
    private List<FileChannel> grab(int number, java.nio.file.OpenOption mode) throws IOException {
        return grab(number, mode, null);
    }

    private List<FileChannel> grab(int number, java.nio.file.OpenOption mode, Path existing) throws IOException {
        List<FileChannel> opened = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            Path p = existing != null ? existing : dir.resolve("grab-" + i);
            FileChannel ch = existing != null ? FileChannel.open(p, mode) : FileChannel.open(p, CREATE, mode);
            opened.add(ch);
            if (Fds.of(ch) == number) {
                return opened;
            }
        }
        throw new AssertionError("fd " + number + " was not reused by 200 opens");
    }

    private void assertEmpty(List<FileChannel> grabbers) throws IOException {
        for (FileChannel g : grabbers) {
            assertEquals(0, g.size(), "bytes went to a reused fd number");
            g.close();
        }
        assertFalse(grabbers.isEmpty());
    }
}
