package dev.zerocopy;

import dev.zerocopy.testkit.Loopback;
import dev.zerocopy.testkit.Sources;
import dev.zerocopy.testkit.Hashing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.zerocopy.testkit.Drain;
import dev.zerocopy.testkit.Received;

/** sendWithHeader: header + file body + trailer, corked into full segments. */
class SendWithHeaderTest {
    @TempDir
    Path dir;

    private static ByteBuffer direct(String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocateDirect(b.length).put(b).flip();
    }

    private byte[] body(int n) throws Exception {
        return Sources.randomBytes(n, n);
    }

    @Test
    void sendsHeaderBodyTrailerInOrderAndAdvancesBuffers() throws Exception {
        byte[] body = body(300_000);
        Path src = Files.write(dir.resolve("body"), body);
        String h = "HTTP/1.1 200 OK\r\nContent-Length: 299990\r\n\r\n";
        ByteBuffer header = direct("xx" + h).position(2); // the position is honoured
        ByteBuffer trailer = direct("0\r\n\r\n");
        try (FileChannel in = FileChannel.open(src); Loopback pair = Loopback.open(0, 0)) {
            CompletableFuture<Received> rx = Drain.toEnd(pair.server);
            long n = KernelExperiments.sendWithHeader(Fds.of(pair.client), header, Fds.of(in), 10,
                    body.length - 10, trailer);
            pair.client.shutdownOutput();
            ByteArrayOutputStream exp = new ByteArrayOutputStream();
            exp.write(h.getBytes(StandardCharsets.US_ASCII));
            exp.write(body, 10, body.length - 10);
            exp.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] e = exp.toByteArray();
            assertEquals(e.length, n);
            Received got = rx.get(60, TimeUnit.SECONDS);
            assertEquals(e.length, got.count());
            assertEquals(Hashing.of(e, 0, e.length), got.sha256());
            assertEquals(0, header.remaining());
            assertEquals(0, trailer.remaining());
            assertEquals(0, in.position());
        }
    }

    @Test
    void corkingSendsASmallResponseAsOneSegment() throws Exception {
        byte[] body = body(1000);
        Path src = Files.write(dir.resolve("body"), body);
        try (FileChannel in = FileChannel.open(src); Loopback pair = Loopback.open(0, 0)) {
            pair.client.setOption(StandardSocketOptions.TCP_NODELAY, true); // as HTTP servers set it
            int out = Fds.of(pair.client);
            CompletableFuture<Received> rx = Drain.toEnd(pair.server);
            long before = TcpInfo.of(out).dataSegmentsOut();
            ByteBuffer header = direct("header: a few bytes\r\n\r\n");
            int headerLength = header.remaining();
            KernelExperiments.sendWithHeader(out, header, Fds.of(in), 0, body.length, direct("trailer"));
            long corked = TcpInfo.of(out).dataSegmentsOut() - before;
            assertEquals(1, corked, "header, body and trailer leave in one segment under TCP_CORK");
            // Uncorked again afterwards: a later small write still leaves at once, not after the 200 ms cork timeout.
            long t0 = System.nanoTime();
            before = TcpInfo.of(out).dataSegmentsOut();
            pair.client.write(ByteBuffer.wrap(new byte[] {1}));
            while (TcpInfo.of(out).dataSegmentsOut() == before) {
                Thread.onSpinWait();
            }
            assertTrue(System.nanoTime() - t0 < 150_000_000L, "the socket was left corked");
            pair.client.shutdownOutput();
            assertEquals(headerLength + 1000 + 7 + 1, rx.get(60, TimeUnit.SECONDS).count());
        }
    }

    @Test
    void headerAndBodyWithoutTrailerLeaveAsOneSegment() throws Exception {
        byte[] body = body(3000);
        Path src = Files.write(dir.resolve("body"), body);
        try (FileChannel in = FileChannel.open(src); Loopback pair = Loopback.open(0, 0)) {
            pair.client.setOption(StandardSocketOptions.TCP_NODELAY, true);
            int out = Fds.of(pair.client);
            CompletableFuture<Received> rx = Drain.toEnd(pair.server);
            long before = TcpInfo.of(out).dataSegmentsOut();
            ByteBuffer header = direct("HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\n");
            int headerLength = header.remaining();
            assertEquals(headerLength + 3000, KernelExperiments.sendWithHeader(out, header, Fds.of(in), 0, 3000, null));
            assertEquals(1, TcpInfo.of(out).dataSegmentsOut() - before, "send(MSG_MORE) then sendfile: one segment");
            pair.client.shutdownOutput();
            Received got = rx.get(60, TimeUnit.SECONDS);
            byte[] e = new byte[headerLength + 3000];
            System.arraycopy("HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\n".getBytes(StandardCharsets.US_ASCII), 0, e, 0, headerLength);
            System.arraycopy(body, 0, e, headerLength, 3000);
            assertEquals(Hashing.of(e, 0, e.length), got.sha256());
        }
    }

    @Test
    void pipeTargetGetsTheSameBytesUncorked() throws Exception {
        byte[] body = body(5000);
        Path src = Files.write(dir.resolve("body"), body);
        Pipe pipe = Pipe.open();
        try (FileChannel in = FileChannel.open(src); Pipe.SinkChannel sink = pipe.sink(); Pipe.SourceChannel source = pipe.source()) {
            CompletableFuture<Received> rx = Drain.toEnd(source);
            long n = KernelExperiments.sendWithHeader(Fds.of(sink), direct("H"), Fds.of(in), 0, body.length,
                    null);
            sink.close();
            assertEquals(1 + body.length, n);
            byte[] e = new byte[1 + body.length];
            e[0] = 'H';
            System.arraycopy(body, 0, e, 1, body.length);
            assertEquals(Hashing.of(e, 0, e.length), rx.get(60, TimeUnit.SECONDS).sha256());
        }
    }

    @Test
    void shortBodyDoesNotSendTheTrailer() throws Exception {
        byte[] body = body(1000);
        Path src = Files.write(dir.resolve("body"), body);
        Path out = dir.resolve("out");
        ByteBuffer trailer = direct("TRAILER");
        try (FileChannel in = FileChannel.open(src);
             FileChannel o = FileChannel.open(out, java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
            long n = KernelExperiments.sendWithHeader(Fds.of(o), direct("HDR"), Fds.of(in), 0, 2000, trailer);
            assertEquals(3 + 1000, n, "the file holds 1000 of the 2000 bytes asked");
        }
        assertEquals(7, trailer.remaining(), "a short body is never framed as a complete one");
        assertEquals(1003, Files.size(out));
    }

    @Test
    void heapBuffersAreRefused() throws Exception {
        assertThrows(IllegalArgumentException.class,
                () -> KernelExperiments.sendWithHeader(1, ByteBuffer.allocate(4), 0, 0, 0, null));
    }

    @Test
    void closedTargetIsEbadfFromWrite() throws Exception {
        Path src = Files.write(dir.resolve("body"), body(10));
        int closed;
        try (FileChannel tmp = FileChannel.open(Files.write(dir.resolve("x"), new byte[1]))) {
            closed = Fds.of(tmp);
        }
        int fd = closed;
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.exists(Path.of("/proc/self/fd/" + closed)), "fd was reused");
        try (FileChannel in = FileChannel.open(src)) {
            ErrnoException e = assertThrows(ErrnoException.class,
                    () -> KernelExperiments.sendWithHeader(fd, direct("H"), Fds.of(in), 0, 10, null));
            assertEquals("EBADF", e.errnoName());
            assertEquals("write", e.syscall());
        }
    }
}
