package dev.zerocopy.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerocopy.testkit.Hashing;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The example server against hostile clients ("the example server is something people
 * will copy"): symlinks out of the root, request bodies, descriptor exhaustion, idle and slow
 * clients, and fuzzed requests. The server runs in its own JVM; clients connect to 127.0.0.1 only.
 */
class HostileClientTest {
    @TempDir
    static Path root;
    static byte[] small;
    static byte[] page;

    @BeforeAll
    static void files() throws IOException {
        Random rnd = new Random(11);
        small = new byte[1];
        rnd.nextBytes(small);
        page = new byte[4096];
        rnd.nextBytes(page);
        Files.write(root.resolve("f1.bin"), small);
        Files.write(root.resolve("f4096.bin"), page);
        Files.createDirectories(root.resolve("sub"));
        Files.write(root.resolve("sub/inner.bin"), page);
        // Out of the root: a directory link and a file link. Inside it: a file link and a directory link.
        Files.createSymbolicLink(root.resolve("etc"), Paths.get("/etc"));
        Files.createSymbolicLink(root.resolve("passwd"), Paths.get("/etc/passwd"));
        Files.createSymbolicLink(root.resolve("alias.bin"), Paths.get("f4096.bin"));
        Files.createSymbolicLink(root.resolve("sublink"), Paths.get("sub"));
    }

    /** Sends {@code request}, half-closes, and reads until the server closes (or 10 s pass). */
    static String exchange(int port, String request) throws IOException {
        return exchange(port, request.getBytes(StandardCharsets.ISO_8859_1), 10_000);
    }

    static String exchange(int port, byte[] request, int timeoutMillis) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(timeoutMillis);
            s.getOutputStream().write(request);
            s.shutdownOutput();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    /** The status codes of every response in {@code text}, in order. */
    static List<Integer> statuses(String text) {
        List<Integer> out = new ArrayList<>();
        Matcher m = Pattern.compile("HTTP/1\\.1 (\\d{3}) ").matcher(text);
        while (m.find()) {
            out.add(Integer.parseInt(m.group(1)));
        }
        return out;
    }

    /** The body of the one response in {@code text} (after its empty line). */
    static byte[] body(String text) {
        return text.substring(text.indexOf("\r\n\r\n") + 4).getBytes(StandardCharsets.ISO_8859_1);
    }

    static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    }

    /** A link inside the root to /etc (or to /etc/passwd) serves nothing; links that stay inside are followed. */
    @ParameterizedTest
    @ValueSource(strings = {"nio", "zerocopy", "zerocopy:SPLICE"})
    void symlinksOutOfTheRootAreNotFollowed(String config) throws Exception {
        String[] c = config.split(":");
        try (ServerProcess server = c.length > 1
                ? new ServerProcess(root, 0, "--mode", c[0], "--method", c[1]) : new ServerProcess(root, 0, "--mode", c[0])) {
            for (String outside : new String[] {"/etc/passwd", "/passwd", "/etc/hostname", "/sub/../etc/passwd", "/%65tc/passwd"}) {
                String got = exchange(server.port, get(outside));
                assertEquals(List.of(404), statuses(got), outside + ": " + got);
                assertTrue(!got.contains("root:"), outside);
            }
            for (String inside : new String[] {"/alias.bin", "/sublink/inner.bin", "/f4096.bin"}) {
                String got = exchange(server.port, get(inside));
                assertEquals(List.of(200), statuses(got), inside);
                assertEquals(Hashing.of(page), Hashing.of(body(got)), inside);
            }
            assertTrue(server.isAlive());
        }
    }

    /** A GET with a body is answered once: the body is read and dropped, not parsed as a request. */
    @ParameterizedTest
    @ValueSource(strings = {"nio", "zerocopy"})
    void aRequestBodyIsNotASecondRequest(String mode) throws Exception {
        try (ServerProcess server = new ServerProcess(root, 0, "--mode", mode)) {
            String inner = "GET /f1.bin HTTP/1.1\r\nHost: x\r\n\r\n";
            String withBody = "GET /f4096.bin HTTP/1.1\r\nHost: x\r\nContent-Length: " + inner.length() + "\r\n\r\n" + inner;
            String got = exchange(server.port, withBody + get("/f1.bin"));
            // One answer for the request with the body, one for the last request; none for the body.
            assertEquals(List.of(200, 200), statuses(got), got);
            String first = got.substring(0, got.indexOf("HTTP/1.1 200", 1));
            assertEquals(Hashing.of(page), Hashing.of(body(first)));
            assertTrue(got.endsWith("\r\n\r\n" + new String(small, StandardCharsets.ISO_8859_1)));

            // A body too large to drop is refused and the connection closed.
            String big = "GET /f1.bin HTTP/1.1\r\nHost: x\r\nContent-Length: " + (Connection.MAX_DISCARD + 1) + "\r\n\r\n" + inner;
            assertEquals(List.of(413), statuses(exchange(server.port, big)));
            // A chunked body cannot be framed by this server: 501, closed, the chunk never read as a request.
            String chunked = "GET /f1.bin HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + Integer.toHexString(inner.length()) + "\r\n" + inner + "\r\n0\r\n\r\n";
            assertEquals(List.of(501), statuses(exchange(server.port, chunked)));
            // A body sent in pieces after its head, then the next request on the same connection.
            try (Socket s = new Socket("127.0.0.1", server.port)) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write(("GET /f1.bin HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n01234").getBytes(StandardCharsets.ISO_8859_1));
                Thread.sleep(100);
                s.getOutputStream().write(("56789" + get("/f1.bin")).getBytes(StandardCharsets.ISO_8859_1));
                assertEquals(List.of(200, 200), statuses(new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1)));
            }
        }
    }

    /**
     * A file truncated while its response waits for a slow client: the server ends that connection
     * once it finds the end of the file (a short body, never a hang or bytes that were not the
     * file's), keeps its descriptors and serves the next client. In zerocopy mode the response
     * started with sendWithHeader and the truncation lands after it stopped short.
     */
    @ParameterizedTest
    @ValueSource(strings = {"nio", "zerocopy", "zerocopy:SPLICE"})
    void aFileTruncatedMidResponseEndsThatResponse(String config) throws Exception {
        String name = "shrinking-" + config.replace(':', '-') + ".bin";
        Path file = root.resolve(name);
        byte[] original = new byte[32 << 20];
        new Random(12).nextBytes(original);
        Files.write(file, original);
        String[] c = config.split(":");
        try (ServerProcess server = c.length > 1 ? new ServerProcess(root, 0, "--mode", c[0], "--method", c[1])
                : new ServerProcess(root, 0, "--mode", c[0]);
             Socket s = new Socket()) {
            s.setReceiveBufferSize(64 << 10); // the server's socket fills early and it waits for OP_WRITE
            s.connect(new InetSocketAddress("127.0.0.1", server.port), 5000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(get("/" + name).getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = s.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            while (got.size() < (64 << 10)) {
                int n = in.read(buf);
                assertTrue(n > 0, "the server closed before sending 64 KiB");
                got.write(buf, 0, n);
            }
            Thread.sleep(300); // the server fills its socket and waits
            try (FileChannel f = FileChannel.open(file, StandardOpenOption.WRITE)) {
                f.truncate(1 << 20);
            }
            got.write(in.readAllBytes()); // to the server's close; a hang ends in SocketTimeoutException
            String text = got.toString(StandardCharsets.ISO_8859_1);
            int headEnd = text.indexOf("\r\n\r\n") + 4;
            assertTrue(text.startsWith("HTTP/1.1 200 ") && text.contains("Content-Length: " + original.length + "\r\n"), text.substring(0, headEnd));
            byte[] body = Arrays.copyOfRange(got.toByteArray(), headEnd, got.size());
            assertTrue(body.length < original.length, config + ": the whole body arrived (" + body.length + " bytes): was the file truncated in time?");
            assertTrue(Arrays.equals(body, 0, body.length, original, 0, body.length), config + ": the body is not the file's first " + body.length + " bytes");
            // The server goes on serving, and nothing it did was a bug (IOException only).
            assertEquals(Hashing.of(page), Hashing.of(body(exchange(server.port, get("/f4096.bin")))));
            Map<String, Long> stats = server.stopForStats();
            assertEquals(0L, stats.get("internalErrors"), stats::toString);
            assertEquals(config.equals("zerocopy") ? 2L : 0L, stats.get("sendWithHeader"), stats::toString);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /**
     * Under `ulimit -n 256`, 306 connections that send nothing: accept(2) fails with EMFILE. The
     * server must pause accepting, not exit, and serve again once descriptors are free.
     */
    @Test
    void descriptorExhaustionDoesNotEndTheServer() throws Exception {
        try (ServerProcess server = new ServerProcess(root, 256, "--mode", "zerocopy")) {
            List<Socket> idle = new ArrayList<>();
            try {
                for (int i = 0; i < 306; i++) {
                    Socket s = new Socket();
                    s.connect(new InetSocketAddress("127.0.0.1", server.port), 5000); // the backlog (512) takes what is not accepted
                    idle.add(s);
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (server.fds() < 250 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                Thread.sleep(500); // accept keeps failing meanwhile
                assertTrue(server.isAlive(), "the server exited when accept failed");
                // At the limit: a request on an accepted connection cannot open its file (503) or is answered.
                String atLimit = exchangeOn(idle.get(0), get("/f1.bin"));
                assertTrue(statuses(atLimit).equals(List.of(503)) || statuses(atLimit).equals(List.of(200)), atLimit);
            } finally {
                for (Socket s : idle) {
                    s.close();
                }
            }
            // Descriptors free again: a new connection is accepted and served.
            String got = exchange(server.port, get("/f4096.bin"));
            assertEquals(List.of(200), statuses(got));
            assertEquals(Hashing.of(page), Hashing.of(body(got)));
            Map<String, Long> stats = server.stopForStats();
            assertTrue(stats.get("acceptFailures") > 0, "accept never failed, the limit was not reached: " + stats);
        }
    }

    private static String exchangeOn(Socket s, String request) throws IOException {
        s.setSoTimeout(10_000);
        s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
        return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }

    /**
     * Idle connections are closed after the idle timeout, and so is a client that trickles a head
     * byte by byte past the head timeout (it gets a 408 first); descriptors go back to where they were.
     */
    @Test
    void idleAndSlowClientsAreClosed() throws Exception {
        try (ServerProcess server = new ServerProcess(root, 0, "--idle-timeout-ms", "400", "--head-timeout-ms", "600")) {
            exchange(server.port, get("/f1.bin")); // the JVM opens a few files at the first request: count after it
            long before = server.fds();
            List<Socket> idle = new ArrayList<>();
            try {
                for (int i = 0; i < 100; i++) {
                    Socket s = new Socket("127.0.0.1", server.port);
                    s.setSoTimeout(10_000);
                    idle.add(s);
                }
                // One that asked for something first, then went quiet on a kept-alive connection.
                Socket kept = idle.get(0);
                kept.getOutputStream().write("GET /f1.bin HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                long t0 = System.nanoTime();
                for (Socket s : idle) {
                    readToEnd(s.getInputStream()); // returns at the server's close
                }
                long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                assertTrue(tookMs < 5000, "idle connections closed after " + tookMs + " ms");
            } finally {
                for (Socket s : idle) {
                    s.close();
                }
            }
            try (Socket slow = new Socket("127.0.0.1", server.port)) {
                slow.setSoTimeout(10_000);
                byte[] head = "GET /f1.bin HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.ISO_8859_1);
                slow.getOutputStream().write(head);
                long t0 = System.nanoTime();
                String got = "";
                try {
                    for (int i = 0; i < 100; i++) { // never idle 400 ms, but the head never ends
                        slow.getOutputStream().write('a');
                        Thread.sleep(100);
                        if (slow.getInputStream().available() > 0) {
                            break;
                        }
                    }
                } catch (IOException closed) {
                    // the server closed first: fine, read what it sent
                }
                got = new String(readToEnd(slow.getInputStream()), StandardCharsets.ISO_8859_1);
                long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                // The 408 is written just before the close; a reset (our bytes in flight, unread) may
                // discard it at this end, so its absence is allowed; the close in time is not optional.
                assertTrue(statuses(got).equals(List.of(408)) || got.isEmpty(), got);
                assertTrue(tookMs < 5000, "slow head closed after " + tookMs + " ms");
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (server.fds() > before && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(server.fds() <= before, "fds before " + before + ", after " + server.fds());
            assertTrue(server.stopForStats().get("timedOut") >= 101);
        }
    }

    private static byte[] readToEnd(InputStream in) throws IOException {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        byte[] b = new byte[8192];
        try {
            for (int n; (n = in.read(b)) >= 0; ) {
                o.write(b, 0, n);
            }
        } catch (java.net.SocketException reset) {
            // a reset after the server closed with unread bytes: the end as well
        }
        return o.toByteArray();
    }

    /**
     * Random and mutated requests over 127.0.0.1, bounded in count and time: every answer is a
     * well-formed status line, no handler throws anything but an IOException (internalErrors),
     * and afterwards the server is up, right, and holds no more descriptors than before.
     */
    @ParameterizedTest
    @ValueSource(strings = {"nio", "zerocopy"})
    void fuzzedRequestsOverTheSocket(String mode) throws Exception {
        long seed = Long.getLong("fuzz.seed", System.nanoTime());
        Random rnd = new Random(seed);
        try (ServerProcess server = new ServerProcess(root, 0, "--mode", mode, "--idle-timeout-ms", "2000", "--head-timeout-ms", "2000")) {
            exchange(server.port, get("/f1.bin")); // the JVM opens a few files at the first request: count after it
            long before = server.fds();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            int cases = 0;
            for (; cases < 1500 && System.nanoTime() < deadline; cases++) {
                ByteArrayOutputStream req = new ByteArrayOutputStream();
                for (int k = 1 + rnd.nextInt(3); k > 0; k--) {
                    req.writeBytes(HttpFuzz.input(rnd)); // sometimes several, pipelined
                }
                byte[] b = req.toByteArray();
                String got;
                try {
                    got = exchange(server.port, b, 10_000);
                } catch (SocketTimeoutException e) {
                    throw new AssertionError("seed " + seed + ": no answer to " + HttpFuzz.show(b), e);
                } catch (java.net.SocketException e) {
                    continue; // a reset: the server closed with our bytes unread (e.g. after a 400)
                }
                if (!got.isEmpty()) {
                    assertTrue(got.startsWith("HTTP/1.1 "), "seed " + seed + ": " + HttpFuzz.show(b) + " -> " + got);
                }
            }
            assertTrue(cases >= 200, "only " + cases + " cases");
            String got = exchange(server.port, get("/f4096.bin"));
            assertEquals(List.of(200), statuses(got));
            assertEquals(Hashing.of(page), Hashing.of(body(got)));
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (server.fds() > before && System.nanoTime() < until) {
                Thread.sleep(50);
            }
            assertTrue(server.fds() <= before, "fds before " + before + ", after " + server.fds());
            Map<String, Long> stats = server.stopForStats();
            assertEquals(0L, stats.get("internalErrors"), "seed " + seed + ": " + stats);
        }
    }
}
