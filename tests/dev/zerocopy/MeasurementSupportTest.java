package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicReference;

import dev.zerocopy.testkit.Sources;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What compare needs from the library: pinning, device offloads, tcp_info and a mapped-once source. */
class MeasurementSupportTest {
    @TempDir
    Path dir;

    @Test
    void pinCurrentThreadSetsItsAllowedCpusAndRejectsAMissingCpu() throws Exception {
        AtomicReference<String> allowed = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                ThreadAffinity.pinCurrentThread(0);
                for (String line : Files.readAllLines(Paths.get("/proc/thread-self/status"))) {
                    if (line.startsWith("Cpus_allowed_list:")) {
                        allowed.set(line.substring(line.indexOf(':') + 1).trim());
                    }
                }
                ErrnoException e = assertThrows(ErrnoException.class, () -> ThreadAffinity.pinCurrentThread(4000));
                assertEquals("EINVAL", e.errnoName());
                assertEquals("sched_setaffinity", e.syscall());
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.start();
        t.join();
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        assertEquals("0", allowed.get(), "the pinned thread (only) may run on CPU 0");
    }

    @Test
    void offloadsOfLoopbackAndAnUnknownDevice() throws Exception {
        NetDevices.Offloads lo = NetDevices.offloads("lo");
        assertTrue(lo.scatterGather(), "loopback gathers: " + lo);
        assertTrue(lo.toString().startsWith("scatter-gather: on; tcp-segmentation-offload: "), lo.toString());
        ErrnoException e = assertThrows(ErrnoException.class, () -> NetDevices.offloads("zc-no-such0"));
        assertEquals("ENODEV", e.errnoName());
        assertThrows(ErrnoException.class, () -> NetDevices.offloads("a-name-longer-than-ifnamsiz"));
        // Setting SG is tested inside a network namespace of its own (VethLabTest, CompareRunTest).
        assertThrows(ErrnoException.class, () -> NetDevices.setScatterGather("zc-no-such0", false));
    }

    @Test
    void tcpInfoCountsSegmentsOfASocketAndRefusesAFile() throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            try (SocketChannel sender = SocketChannel.open(server.getLocalAddress()); SocketChannel receiver = server.accept()) {
                int fd = Fds.of(sender);
                TcpInfo before = TcpInfo.of(fd);
                ByteBuffer data = ByteBuffer.wrap(new byte[100_000]);
                while (data.hasRemaining()) {
                    sender.write(data);
                }
                ByteBuffer in = ByteBuffer.allocate(100_000);
                while (in.hasRemaining()) {
                    receiver.read(in);
                }
                TcpInfo after = TcpInfo.of(fd);
                assertTrue(after.dataSegmentsOut() > before.dataSegmentsOut(), before + " -> " + after);
                assertTrue(after.rttMicros() > 0, after.toString());
            }
        }
        try (FileChannel f = FileChannel.open(dir.resolve("f"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ErrnoException e = assertThrows(ErrnoException.class, () -> TcpInfo.of(Fds.of(f)));
            assertEquals("getsockopt", e.syscall());
        }
    }

    @Test
    void mappedSourceWritesRangesByteForByte() throws Exception {
        byte[] data = Sources.randomBytes(1 << 20, 7);
        Path src = dir.resolve("src");
        Files.write(src, data);
        Path dst = dir.resolve("dst");
        try (FileChannel in = FileChannel.open(src);
             FileChannel out = FileChannel.open(dst, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             MappedSource m = MappedSource.map(Fds.of(in), data.length)) {
            int fd = Fds.of(out);
            assertEquals(data.length, m.length());
            assertEquals(4096, m.write(fd, 12345, 4096));
            assertEquals(data.length - 500_000, m.write(fd, 500_000, data.length - 500_000));
            assertEquals(0, m.write(fd, data.length, 0));
            assertThrows(IllegalArgumentException.class, () -> m.write(fd, data.length - 10, 11));
            assertThrows(IllegalArgumentException.class, () -> m.write(fd, -1, 1));
            m.close();
            assertThrows(IllegalStateException.class, () -> m.write(fd, 0, 1));
            m.close(); // idempotent
        }
        byte[] got = Files.readAllBytes(dst);
        byte[] expected = new byte[4096 + data.length - 500_000];
        System.arraycopy(data, 12345, expected, 0, 4096);
        System.arraycopy(data, 500_000, expected, 4096, data.length - 500_000);
        assertArrayEquals(expected, got);
    }

    @Test
    void mappedSourceRefusesWhatCannotBeMapped() throws Exception {
        Pipe p = Pipe.open();
        try (Pipe.SourceChannel source = p.source(); Pipe.SinkChannel sink = p.sink()) {
            ErrnoException e = assertThrows(ErrnoException.class, () -> MappedSource.map(Fds.of(source), 4096));
            assertEquals("mmap", e.syscall());
            assertEquals("ENODEV", e.errnoName());
        }
        Path f = dir.resolve("empty");
        Files.write(f, new byte[0]);
        try (FileChannel in = FileChannel.open(f)) {
            assertEquals("EINVAL", assertThrows(ErrnoException.class, () -> MappedSource.map(Fds.of(in), 0)).errnoName());
        }
    }
}
