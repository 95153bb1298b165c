package dev.zerocopy.examples;

import dev.zerocopy.testkit.Hashing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The example server, run as its own JVM, against clients nobody here wrote: curl (Debian's) and
 * java.net.http.HttpClient. Every body is hashed against the file; ranges, HEAD and errors are
 * checked; clients that drop mid-body must leave the server up, with no fd left behind.
 */
class StaticFileServerTest {
    @TempDir
    static Path root;
    @TempDir
    Path out;

    /** name -> sha256 of every served file: 0 B to 64 MiB, around page and buffer sizes. */
    static final Map<String, String> FILES = new LinkedHashMap<>();
    static final long[] SIZES = {0, 1, 2, 100, 4095, 4096, 4097, 65535, 65536, 65537, 1 << 20, (1 << 20) + 13, 3_000_001, 64 << 20};

    private ServerProcess server;
    private int port;

    @BeforeAll
    static void files() throws IOException {
        Random rnd = new Random(7);
        for (long size : SIZES) {
            byte[] b = new byte[(int) size];
            rnd.nextBytes(b);
            String name = "f" + size + ".bin";
            Files.write(root.resolve(name), b);
            FILES.put(name, Hashing.of(b));
        }
        Files.createDirectories(root.resolve("sub dir"));
        Files.write(root.resolve("sub dir/x y.txt"), "spaces".getBytes());
        FILES.put("sub%20dir/x%20y.txt", Hashing.of("spaces".getBytes()));
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    private void start(String config) throws IOException {
        String[] c = config.split(":");
        server = c.length > 1 ? new ServerProcess(root, 0, "--mode", c[0], "--method", c[1]) : new ServerProcess(root, 0, "--mode", c[0]);
        port = server.port;
    }

    private Map<String, Long> stopForStats() throws Exception {
        return server.stopForStats();
    }

    private String url(String name) {
        return "http://127.0.0.1:" + port + "/" + name;
    }

    /** Runs curl; returns its stdout. */
    private String curl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--http1.1"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "curl hung");
        assertEquals(0, p.exitValue(), "curl " + cmd + " failed: " + stdout);
        return stdout;
    }

    /** Every file over one keep-alive connection, hashed; plus ranges, HEAD and errors. */
    @ParameterizedTest
    @ValueSource(strings = {"nio", "zerocopy", "zerocopy:SENDFILE", "zerocopy:SPLICE", "zerocopy:MMAP_WRITE", "zerocopy:READ_WRITE"})
    void curlFetchesEveryFileOverOneConnection(String config) throws Exception {
        start(config);
        List<String> args = new ArrayList<>();
        int i = 0;
        for (String name : FILES.keySet()) {
            args.add("-o");
            args.add(out.resolve("got" + i++).toString());
            args.add("-w");
            args.add("%{http_code} %{num_connects}\\n");
            args.add(url(name));
        }
        String[] lines = curl(args.toArray(new String[0])).split("\n");
        i = 0;
        for (Map.Entry<String, String> e : FILES.entrySet()) {
            // 200, and a new connection for the first request only: keep-alive works.
            assertEquals("200 " + (i == 0 ? 1 : 0), lines[i], e.getKey());
            assertEquals(e.getValue(), Hashing.of(Files.readAllBytes(out.resolve("got" + i))), e.getKey());
            i++;
        }
        byte[] big = Files.readAllBytes(root.resolve("f3000001.bin"));
        for (String r : new String[] {"0-0", "1-1", "100-4195", "2999000-", "-10", "-5000000", "2999999-99999999", "0-2999999"}) {
            Path f = out.resolve("range");
            String code = curl("-o", f.toString(), "-w", "%{http_code}", "-r", r, url("f3000001.bin"));
            assertEquals("206", code, r);
            long[] want = ByteRange.parse("bytes=" + r, big.length);
            assertEquals(Hashing.of(java.util.Arrays.copyOfRange(big, (int) want[0], (int) want[1] + 1)), Hashing.of(Files.readAllBytes(f)), r);
        }
        assertEquals("416", curl("-o", "/dev/null", "-w", "%{http_code}", "-r", "3000001-", url("f3000001.bin")));
        assertEquals("416", curl("-o", "/dev/null", "-w", "%{http_code}", "-r", "0-", url("f0.bin")));
        assertEquals("404", curl("-o", "/dev/null", "-w", "%{http_code}", url("missing")));
        assertEquals("404", curl("-o", "/dev/null", "-w", "%{http_code}", "--path-as-is", url("../../../etc/passwd")));
        assertEquals("404", curl("-o", "/dev/null", "-w", "%{http_code}", url("sub%20dir")));
        assertEquals("405", curl("-o", "/dev/null", "-w", "%{http_code}", "-X", "DELETE", url("f1.bin")));
        String head = curl("-I", url("f65537.bin"));
        assertTrue(head.startsWith("HTTP/1.1 200"), head);
        assertTrue(head.contains("Content-Length: 65537"), head);
        assertTrue(server.isAlive());
        // zerocopy with sendfile (the default method, or forced) starts every response that has a
        // body with one sendWithHeader call: 14 non-empty files and 8 ranges. The other
        // configurations never use it; NIO mode is untouched.
        Map<String, Long> stats = stopForStats();
        long bodies = FILES.size() - 1 + 8;
        boolean oneCall = config.equals("zerocopy") || config.equals("zerocopy:SENDFILE");
        assertEquals(oneCall ? bodies : 0, stats.get("sendWithHeader"), stats::toString);
        assertEquals(FILES.size() + 8 + 7, stats.get("responses"), stats::toString);
    }

    /**
     * HttpClient: concurrent keep-alive connections, many files and ranges; then clients that drop
     * mid-body (half with a reset); the server stays up and holds no file or socket afterwards.
     */
    @ParameterizedTest
    @ValueSource(strings = {"nio", "zerocopy"})
    void concurrentClientsAndDisconnectsMidBody(String config) throws Exception {
        start(config);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
        List<String> names = new ArrayList<>(FILES.keySet());
        List<CompletableFuture<Void>> all = new ArrayList<>();
        Random rnd = new Random(3);
        for (int i = 0; i < 120; i++) {
            String name = names.get(rnd.nextInt(names.size()));
            if (name.startsWith("f67108864") && rnd.nextInt(4) != 0) {
                name = "f1048576.bin"; // a few 64 MiB bodies, not dozens
            }
            String n = name;
            all.add(client.sendAsync(HttpRequest.newBuilder(URI.create(url(n))).build(), HttpResponse.BodyHandlers.ofInputStream())
                    .thenAccept(resp -> {
                        assertEquals(200, resp.statusCode(), n);
                        assertEquals(FILES.get(n), Hashing.of(resp.body()), n);
                    }));
        }
        byte[] big = Files.readAllBytes(root.resolve("f1048589.bin"));
        for (int i = 0; i < 40; i++) {
            int from = rnd.nextInt(big.length);
            int to = from + rnd.nextInt(big.length - from);
            all.add(client.sendAsync(HttpRequest.newBuilder(URI.create(url("f1048589.bin"))).header("Range", "bytes=" + from + "-" + to).build(),
                    HttpResponse.BodyHandlers.ofByteArray()).thenAccept(resp -> {
                        assertEquals(206, resp.statusCode());
                        assertEquals(Hashing.of(java.util.Arrays.copyOfRange(big, from, to + 1)), Hashing.of(resp.body()));
                    }));
        }
        CompletableFuture.allOf(all.toArray(new CompletableFuture[0])).get(120, TimeUnit.SECONDS);

        long before = fds();
        for (int i = 0; i < 40; i++) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port));
                if (i % 2 == 0) {
                    s.setSoLinger(true, 0); // close with a reset
                }
                OutputStream o = s.getOutputStream();
                o.write(("GET /f67108864.bin HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                InputStream in = s.getInputStream();
                in.readNBytes(100_000 + i * 1000); // headers and part of the body, then go away
            }
        }
        // A client that sends half a request and leaves.
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.getOutputStream().write("GET /f1.bin HTTP/1.1\r\nHo".getBytes(StandardCharsets.US_ASCII));
        }
        // The server is still up and still right.
        String got = curl("-o", out.resolve("after").toString(), "-w", "%{http_code}", url("f4097.bin"));
        assertEquals("200", got);
        assertEquals(FILES.get("f4097.bin"), Hashing.of(Files.readAllBytes(out.resolve("after"))));
        assertTrue(server.isAlive());
        // Every dropped connection and its file are closed by the server (poll: it sees the resets asynchronously).
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while ((fds() > before || filesOpen() > 0) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(fds() <= before, "server fds before " + before + ", after " + fds());
        assertEquals(0, filesOpen(), "files under the root still open in the server");
        Map<String, Long> stats = stopForStats();
        if (config.equals("zerocopy")) {
            // Every completed response with a body began with sendWithHeader (160 + the curl check).
            assertTrue(stats.get("sendWithHeader") >= 161, stats::toString);
        } else {
            assertEquals(0, stats.get("sendWithHeader"), stats::toString);
        }
    }

    private long fds() throws IOException {
        return server.fds();
    }

    private long filesOpen() throws IOException {
        return server.filesOpen(root);
    }
}
