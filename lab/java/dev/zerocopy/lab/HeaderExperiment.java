package dev.zerocopy.lab;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.zerocopy.Fds;
import dev.zerocopy.KernelExperiments;
import dev.zerocopy.TcpInfo;
import dev.zerocopy.NativeZeroCopy;

/**
 * A static-file response: a 200-byte header and a file body, one at a time on a keep-alive
 * connection: the client reads the whole response, then sends a 1-byte request for the next. sendWithHeader (header, body and trailer in one native call under
 * TCP_CORK) against a separate write(2) of the header and sendfile(2) of the body, with
 * TCP_NODELAY (as HTTP servers set it) and with Nagle's algorithm. Per response: data segments
 * sent (tcp_info.tcpi_data_segs_out) and time; trials interleaved, median [min-max].
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp target/native-zerocopy-cli.jar dev.zerocopy.lab.HeaderExperiment \
 *     [--responses 2000] [--trials 5] [--links loopback,veth-sg]
 * </pre>
 */
public final class HeaderExperiment {
    private static final int HEADER = 200;
    private static final int[] BODIES = {1024, 4096, 65536};
    /** The end of a chunked body, as a trailer. */
    private static final ByteBuffer TRAILER = ByteBuffer.allocateDirect(5).put("0\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).flip();

    private HeaderExperiment() {
    }

    public static void main(String[] args) throws Exception {
        int responses = 2000;
        int trials = 5;
        String links = "loopback,veth-sg";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--responses" -> responses = Integer.parseInt(args[++i]);
                case "--trials" -> trials = Integer.parseInt(args[++i]);
                case "--links" -> links = args[++i];
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        NativeZeroCopy.ensureAvailable();
        List<SocketLink> open = new ArrayList<>();
        Path dir = Files.createTempDirectory(Paths.get("target").toAbsolutePath(), "header-experiment-");
        try {
            for (String name : links.split(",")) {
                if (name.equals("loopback")) {
                    open.add(new LoopbackLink());
                } else if (VethLab.missingRequirements() != null) {
                    System.out.println("skipping " + name + ": " + VethLab.missingRequirements());
                } else {
                    open.add(VethLab.create(!name.equals("veth-nosg")));
                }
            }
            ByteBuffer header = ByteBuffer.allocateDirect(HEADER);
            while (header.hasRemaining()) {
                header.put((byte) 'h');
            }
            String[] ways = {"sendWithHeader, no trailer (MSG_MORE)", "write + sendfile, TCP_NODELAY", "write + sendfile, Nagle",
                "sendWithHeader + 5 B trailer (TCP_CORK)", "write + sendfile + write trailer, TCP_NODELAY"};
            System.out.printf(Locale.ROOT, "%d responses of a %d B header + body per trial, %d trials, median [min-max]%n%n",
                    responses, HEADER, trials);
            System.out.println("| link | body | way | data segments per response | us per response |");
            System.out.println("|---|---|---|---|---|");
            for (SocketLink link : open) {
                for (int body : BODIES) {
                    byte[] b = new byte[body];
                    new Random(body).nextBytes(b);
                    Path file = Files.write(dir.resolve("body" + body), b);
                    Map<String, List<Double>> segs = new LinkedHashMap<>();
                    Map<String, List<Double>> us = new LinkedHashMap<>();
                    try (FileChannel in = FileChannel.open(file)) {
                        for (int t = -1; t < trials; t++) {
                            for (int w = 0; w < ways.length; w++) {
                                // Nagle's way stalls on delayed ACKs (about 40 ms a response): a tenth as many.
                                int n = w == 2 ? Math.max(10, responses / 10) : responses;
                                double[] r = run(link, w, header, Fds.of(in), body, n);
                                if (t >= 0) {
                                    segs.computeIfAbsent(ways[w], k -> new ArrayList<>()).add(r[0]);
                                    us.computeIfAbsent(ways[w], k -> new ArrayList<>()).add(r[1]);
                                }
                            }
                        }
                    }
                    for (String way : ways) {
                        System.out.printf(Locale.ROOT, "| %s | %d B | %s | %s | %s |%n", link.name(), body, way,
                                Stats.spread(segs.get(way), 2), Stats.spread(us.get(way), 2));
                    }
                }
            }
        } finally {
            for (SocketLink l : open) {
                l.close();
            }
            try (var s = Files.list(dir)) {
                for (Path p : (Iterable<Path>) s::iterator) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }

    /** {data segments per response, us per response} for one way of sending. */
    private static double[] run(SocketLink link, int way, ByteBuffer header, int fdIn, int body, int responses) throws Exception {
        try (SocketPair pair = link.connect()) {
            pair.sender().setOption(StandardSocketOptions.TCP_NODELAY, way != 2);
            boolean withTrailer = way >= 3;
            int responseSize = HEADER + body + (withTrailer ? TRAILER.capacity() : 0);
            CompletableFuture<Long> drained = client(pair, responseSize, responses);
            int out = Fds.of(pair.sender());
            ByteBuffer request = ByteBuffer.allocateDirect(1);
            long segs0 = TcpInfo.of(out).dataSegmentsOut();
            long t0 = System.nanoTime();
            for (int i = 0; i < responses; i++) {
                header.rewind();
                TRAILER.rewind();
                if (way == 0 || way == 3) {
                    KernelExperiments.sendWithHeader(out, header, fdIn, 0, body, withTrailer ? TRAILER : null);
                } else {
                    while (header.hasRemaining()) {
                        pair.sender().write(header);
                    }
                    NativeZeroCopy.sendfile(fdIn, out, 0, body);
                    while (withTrailer && TRAILER.hasRemaining()) {
                        pair.sender().write(TRAILER);
                    }
                }
                request.clear();
                while (request.hasRemaining()) { // the next request: the client has the whole response
                    if (pair.sender().read(request) < 0) {
                        throw new IOException("the client closed");
                    }
                }
            }
            long elapsed = System.nanoTime() - t0;
            long segs = TcpInfo.of(out).dataSegmentsOut() - segs0;
            pair.sender().shutdownOutput();
            long got = drained.get(60, TimeUnit.SECONDS);
            if (got != (long) responses * responseSize) {
                throw new IOException("the reader got " + got + " bytes");
            }
            return new double[] {segs / (double) responses, elapsed / 1000.0 / responses};
        }
    }

    /** The client: reads each whole response, then writes a 1-byte request; the total bytes at the end. */
    private static CompletableFuture<Long> client(SocketPair pair, int responseSize, int responses) {
        CompletableFuture<Long> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                ByteBuffer buf = ByteBuffer.allocateDirect(responseSize);
                ByteBuffer request = ByteBuffer.allocateDirect(1);
                long total = 0;
                for (int i = 0; i < responses; i++) {
                    buf.clear();
                    while (buf.hasRemaining()) {
                        if (pair.receiver().read(buf) < 0) {
                            throw new IOException("end of stream after " + total + " bytes");
                        }
                    }
                    total += responseSize;
                    pair.receiver().write(request.clear());
                }
                while (pair.receiver().read(buf.clear()) >= 0) {
                    total += buf.position();
                }
                f.complete(total);
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }, "header-drain");
        t.setDaemon(true);
        t.start();
        return f;
    }
}
