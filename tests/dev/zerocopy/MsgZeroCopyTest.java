package dev.zerocopy;

import dev.zerocopy.testkit.Loopback;
import dev.zerocopy.testkit.Hashing;

import dev.zerocopy.testkit.Sources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.zerocopy.testkit.Drain;
import dev.zerocopy.testkit.Received;

/** mmapSendZeroCopy over loopback: data, completion accounting, error paths (HAZARDS 11). */
class MsgZeroCopyTest {
    @TempDir
    Path dir;

    @Test
    void sendsFileSliceAndEverySendIsCompleted() throws Exception {
        byte[] data = Sources.randomBytes(20 * 1024 * 1024 + 12345, 1);
        Path src = Files.write(dir.resolve("src"), data);
        int offset = 4097; // not page aligned: the window starts at the page below
        try (FileChannel in = FileChannel.open(src); Loopback pair = Loopback.open(0, 0)) {
            CompletableFuture<Received> rx = Drain.toEnd(pair.server);
            ZeroCopySendResult r = KernelExperiments.mmapSendZeroCopy(Fds.of(in), Fds.of(pair.client),
                    offset, data.length);
            pair.client.shutdownOutput();
            Received got = rx.get(60, TimeUnit.SECONDS);
            assertEquals(data.length - offset, r.bytes(), "stops at end of file");
            assertEquals(data.length - offset, got.count());
            assertEquals(Hashing.of(data, offset, data.length - offset), got.sha256());
            assertTrue(r.sends() >= 3, "20 MiB in 1 MiB sends over 3 windows: " + r);
            // Every accepted send got exactly one completion before the call returned (and before its window was unmapped).
            assertEquals(r.sends(), r.zeroCopied() + r.copied(), r::toString);
            assertEquals(0, r.plainSends(), r::toString);
            // Loopback delivers locally, so the kernel copies: msg_zerocopy.rst, "deferred copy".
            assertEquals(r.sends(), r.copied(), "loopback completions are all COPIED: " + r);
        }
    }

    @Test
    void accountingStaysExactAcrossCallsOnOneSocket() throws Exception {
        // The completion counter is per socket and keeps counting across calls: each call must
        // count only its own sends, and leave no completion behind for the next one.
        byte[] data = Sources.randomBytes(3 * 1024 * 1024, 2);
        Path src = Files.write(dir.resolve("src"), data);
        try (FileChannel in = FileChannel.open(src); Loopback pair = Loopback.open(0, 0)) {
            CompletableFuture<Received> rx = Drain.toEnd(pair.server);
            long sends = 0;
            for (int i = 0; i < 5; i++) {
                ZeroCopySendResult r = KernelExperiments.mmapSendZeroCopy(Fds.of(in), Fds.of(pair.client),
                        0, data.length);
                assertEquals(data.length, r.bytes());
                assertEquals(r.sends(), r.zeroCopied() + r.copied(), "call " + i + ": " + r);
                sends += r.sends();
            }
            pair.client.shutdownOutput();
            Received got = rx.get(60, TimeUnit.SECONDS);
            assertEquals(5L * data.length, got.count());
            assertTrue(sends >= 15, "at least 3 sends of 1 MiB per call: " + sends);
        }
    }

    @Test
    void mappingsAreReleased() throws Exception {
        byte[] data = Sources.randomBytes(1024 * 1024, 3);
        Path src = Files.write(dir.resolve("mapped-src"), data);
        try (FileChannel in = FileChannel.open(src); Loopback pair = Loopback.open(0, 0)) {
            CompletableFuture<Received> rx = Drain.toEnd(pair.server);
            for (int i = 0; i < 200; i++) {
                KernelExperiments.mmapSendZeroCopy(Fds.of(in), Fds.of(pair.client), i, 64 * 1024);
            }
            assertTrue(Files.readAllLines(Path.of("/proc/self/maps")).stream().noneMatch(l -> l.endsWith("mapped-src")),
                    "a window of the file is still mapped (HAZARDS 10)");
            pair.client.shutdownOutput();
            assertEquals(200L * 64 * 1024, rx.get(60, TimeUnit.SECONDS).count());
        }
    }

    @Test
    void notATcpSocketIsEopnotsuppFromSetsockopt() throws Exception {
        Path src = Files.write(dir.resolve("src"), Sources.randomBytes(8192, 4));
        Path sock = dir.resolve("s.sock");
        try (FileChannel in = FileChannel.open(src);
             ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(UnixDomainSocketAddress.of(sock));
             SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(sock));
             SocketChannel peer = server.accept()) {
            ErrnoException e = assertThrows(ErrnoException.class,
                    () -> KernelExperiments.mmapSendZeroCopy(Fds.of(in), Fds.of(client), 0, 8192));
            assertEquals("EOPNOTSUPP", e.errnoName(), e::getMessage);
            assertEquals("setsockopt", e.syscall());
            assertEquals(0, e.bytesTransferred());
        }
    }

    @Test
    void peerClosingMidTransferIsEpipeOrEconnresetWithBytesSoFar() throws Exception {
        byte[] data = Sources.randomBytes(64 * 1024 * 1024, 5);
        Path src = Files.write(dir.resolve("src"), data);
        try (FileChannel in = FileChannel.open(src); Loopback pair = Loopback.open(0, 0)) {
            Thread closer = new Thread(() -> {
                try {
                    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1 << 20);
                    long n = 0;
                    while (n < 2 << 20) {
                        n += pair.server.read(b.clear());
                    }
                    pair.server.close(); // unread data pending: the kernel sends RST
                } catch (Exception ignored) {
                    // the assertion is on the sender's side
                }
            });
            closer.start();
            ErrnoException e = assertThrows(ErrnoException.class,
                    () -> KernelExperiments.mmapSendZeroCopy(Fds.of(in), Fds.of(pair.client), 0, data.length));
            closer.join();
            assertTrue(e.errnoName().equals("EPIPE") || e.errnoName().equals("ECONNRESET"), e::getMessage);
            assertTrue(e.bytesTransferred() >= 2 << 20 && e.bytesTransferred() < data.length, e::getMessage);
        }
    }

    @Test
    void negativeArgumentsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> KernelExperiments.mmapSendZeroCopy(0, 1, -1, 1));
        assertThrows(IllegalArgumentException.class, () -> KernelExperiments.mmapSendZeroCopy(0, 1, 0, -1));
    }
}
