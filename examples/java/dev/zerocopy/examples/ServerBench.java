package dev.zerocopy.examples;

import dev.zerocopy.TransferMethod;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Measures the example server's transfer path, NIO's FileChannel against ZeroCopyFileChannel (and
 * each forced method): a keep-alive client fetches one file size over and over, the
 * configurations interleaved round by round so a noisy machine hits them alike. Prints, per file
 * size and configuration, the median [min-max] MB/s of the rounds, the median ratio to NIO
 * within a round, and the server thread's CPU seconds per GiB sent.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp target/native-zerocopy-examples.jar dev.zerocopy.examples.ServerBench \
 *      [--rounds 7] [--mib 64] [--sizes 4096,65536,1048576,67108864] [--configs nio,zerocopy,zerocopy:SPLICE]
 *      [--dir DIR]
 * </pre>
 * (The upload direction, transferFrom socket -> file, is bench/receive.sh.)
 * Client and server share the JVM and the loopback device: the receiver's copy is in every
 * figure, as it is for any loopback test.
 */
public final class ServerBench {
    private ServerBench() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = 7;
        long mibPerSample = 64;
        long[] sizes = {4096, 65536, 1 << 20, 64 << 20};
        String configs = "nio,zerocopy,zerocopy:SENDFILE,zerocopy:SPLICE,zerocopy:MMAP_WRITE,zerocopy:READ_WRITE";
        Path dir = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rounds": rounds = Integer.parseInt(args[++i]); break;
                case "--mib": mibPerSample = Long.parseLong(args[++i]); break;
                case "--sizes": sizes = Arrays.stream(args[++i].split(",")).mapToLong(Long::parseLong).toArray(); break;
                case "--configs": configs = args[++i]; break;
                case "--dir": dir = Paths.get(args[++i]); break;
                default:
                    System.err.println("usage: ServerBench [--rounds N] [--mib MiB-per-sample] [--sizes a,b,..] [--configs nio,zerocopy,zerocopy:SPLICE,..] [--dir DIR]");
                    System.exit(2);
            }
        }
        // A private directory (under --dir, or the temp dir), deleted at the end.
        dir = dir == null ? Files.createTempDirectory("zc-serverbench-") : Files.createTempDirectory(dir, "zc-serverbench-");
        String[] cfg = configs.split(",");
        StaticFileServer.Mode[] modes = new StaticFileServer.Mode[cfg.length];
        TransferMethod[] methods = new TransferMethod[cfg.length];
        StaticFileServer server = null;
        try {
            Random rnd = new Random(1);
            for (long size : sizes) {
                byte[] b = new byte[(int) size];
                rnd.nextBytes(b);
                Files.write(dir.resolve("f" + size), b);
            }
            for (int k = 0; k < cfg.length; k++) {
                String[] p = cfg[k].split(":");
                modes[k] = StaticFileServer.Mode.valueOf(p[0].toUpperCase(Locale.ROOT));
                methods[k] = p.length > 1 ? TransferMethod.valueOf(p[1]) : null;
            }
            // One server thread and one connection for every configuration, switched between
            // samples: separate threads would be placed on the CPUs differently by the scheduler,
            // which on loopback (the receive runs in the sender's context) swamps the effect measured.
            server = new StaticFileServer(dir, "127.0.0.1", 0, modes[0], methods[0]);
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            System.out.printf(Locale.ROOT, "# ServerBench: %d rounds (+1 warm-up), >= %d MiB per sample, java %s, %d cpus%n",
                    rounds, mibPerSample, Runtime.version(), Runtime.getRuntime().availableProcessors());
            System.out.println("| file | server | MB/s median [min-max] | x NIO (median of rounds) | server CPU s/GiB |");
            System.out.println("|---|---|---|---|---|");
            for (long size : sizes) {
                String name = "f" + size;
                byte[] want = Files.readAllBytes(dir.resolve(name));
                int fetches = (int) Math.max(1, Math.min(50_000, (mibPerSample << 20) / size));
                double[][] mbps = new double[cfg.length][rounds];
                double[][] cpu = new double[cfg.length][rounds];
                Client client = new Client(server.port());
                for (int k = 0; k < cfg.length; k++) {
                    server.configure(modes[k], methods[k]);
                    client.verify(name, want); // every configuration serves the right bytes before it is timed
                }
                long tid = server.thread().getId();
                for (int r = -1; r < rounds; r++) {
                    for (int j = 0; j < cfg.length; j++) {
                        int k = Math.floorMod(j + r, cfg.length); // rotate the order every round
                        server.configure(modes[k], methods[k]);
                        long cpu0 = mx.getThreadCpuTime(tid);
                        long t0 = System.nanoTime();
                        long bytes = 0;
                        for (int f = 0; f < fetches; f++) {
                            bytes += client.fetch(name);
                        }
                        long t1 = System.nanoTime();
                        long cpu1 = mx.getThreadCpuTime(tid);
                        if (r >= 0) {
                            mbps[k][r] = bytes / 1e6 / ((t1 - t0) / 1e9);
                            cpu[k][r] = (cpu1 - cpu0) / 1e9 / (bytes / (double) (1L << 30));
                        }
                    }
                }
                client.close();
                for (int k = 0; k < cfg.length; k++) {
                    double[] ratio = new double[rounds];
                    for (int r = 0; r < rounds; r++) {
                        ratio[r] = mbps[k][r] / mbps[0][r];
                    }
                    System.out.printf(Locale.ROOT, "| %s | %s | %.0f [%.0f-%.0f] | %.2f | %.3f |%n", human(size), cfg[k],
                            median(mbps[k]), min(mbps[k]), max(mbps[k]), median(ratio), median(cpu[k]));
                }
            }
        } finally {
            if (server != null) {
                server.close();
            }
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** A keep-alive HTTP/1.1 client on a blocking SocketChannel; bodies are read into a direct buffer and dropped. */
    public static final class Client implements AutoCloseable {
        private final SocketChannel ch;
        private final ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
        private final byte[] scratch = new byte[4096];

        public Client(int port) throws IOException {
            ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
            buf.limit(0);
        }

        /** Fetches /name; returns the body length. */
        public long fetch(String name) throws IOException {
            return fetch(name, null);
        }

        /** Fetches /name and checks its bytes against want. */
        public void verify(String name, byte[] want) throws Exception {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            long n = fetch(name, md);
            if (n != want.length || !Arrays.equals(md.digest(), MessageDigest.getInstance("SHA-256").digest(want))) {
                throw new IllegalStateException("wrong body for " + name);
            }
        }

        private long fetch(String name, MessageDigest md) throws IOException {
            ByteBuffer req = ByteBuffer.wrap(("GET /" + name + " HTTP/1.1\r\nHost: bench\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            while (req.hasRemaining()) {
                ch.write(req);
            }
            long length = readHead();
            long left = length;
            while (left > 0) {
                if (!buf.hasRemaining()) {
                    fill();
                }
                int take = (int) Math.min(left, buf.remaining());
                if (md != null) {
                    ByteBuffer part = buf.duplicate();
                    part.limit(part.position() + take);
                    md.update(part);
                }
                buf.position(buf.position() + take);
                left -= take;
            }
            return length;
        }

        /** Reads the response head; returns Content-Length. */
        private long readHead() throws IOException {
            int n = 0;
            while (true) {
                if (!buf.hasRemaining()) {
                    fill();
                }
                byte b = buf.get();
                scratch[n++] = b;
                if (n >= 4 && scratch[n - 1] == '\n' && scratch[n - 2] == '\r' && scratch[n - 3] == '\n' && scratch[n - 4] == '\r') {
                    break;
                }
            }
            String head = new String(scratch, 0, n, StandardCharsets.ISO_8859_1);
            if (!head.startsWith("HTTP/1.1 200")) {
                throw new IOException("unexpected response: " + head);
            }
            int i = head.indexOf("Content-Length: ");
            return Long.parseLong(head.substring(i + 16, head.indexOf('\r', i)));
        }

        private void fill() throws IOException {
            buf.clear();
            if (ch.read(buf) < 0) {
                throw new IOException("server closed the connection");
            }
            buf.flip();
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }

    private static String human(long size) {
        return size >= 1 << 20 ? (size >> 20) + " MiB" : (size >> 10) + " KiB";
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double min(double[] v) {
        return Arrays.stream(v).min().orElse(0);
    }

    private static double max(double[] v) {
        return Arrays.stream(v).max().orElse(0);
    }
}
