package example;

import dev.zerocopy.Fds;
import dev.zerocopy.NativeZeroCopy;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The README's usage example ("Using it"), compiled against the installed library alone and run
 * against a real file and a 127.0.0.1 connection whose receiver hashes what arrives. Exits 1 if
 * the bytes received are not the file's.
 */
public final class ReadmeExample {
    private ReadmeExample() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("zc-consumer-");
        try {
            byte[] data = new byte[(8 << 20) + 12_345]; // several sendfile chunks and an odd tail
            new Random(20261130).nextBytes(data);
            Path videoFile = Files.write(dir.resolve("video.mp4"), data);
            try (ServerSocketChannel server = ServerSocketChannel.open()) {
                server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
                CompletableFuture<String> received = CompletableFuture.supplyAsync(() -> receive(server));
                sendLikeTheReadme(videoFile, port);
                String got = received.get(60, TimeUnit.SECONDS);
                String sent = sha256(data, data.length);
                if (!got.equals(data.length + " bytes, SHA-256 " + sent)) {
                    System.err.println("consumer: sent " + data.length + " bytes, SHA-256 " + sent + "; received " + got);
                    System.exit(1);
                }
                System.out.println("consumer: README example sent " + got + " through " + NativeZeroCopy.class.getName()
                        + " from " + NativeZeroCopy.class.getProtectionDomain().getCodeSource().getLocation());
            }
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }

    /**
     * The lines between the markers are the README's example as written, but for two names:
     * Path.of("video.mp4") is videoFile and the port 8080 is port (tests/consumer/run.sh checks it).
     */
    static void sendLikeTheReadme(Path videoFile, int port) throws IOException {
        // README:begin
        try (FileChannel file = FileChannel.open(videoFile);
             SocketChannel socket = SocketChannel.open(new InetSocketAddress("127.0.0.1", port))) {
            int in = Fds.of(file), out = Fds.of(socket);
            long size = file.size(), sent = 0;
            while (sent < size) {
                long n = NativeZeroCopy.sendfile(in, out, sent, size - sent); // or splice, mmapWrite, readWrite
                if (n == 0) break;                                             // the file shrank: end of file
                sent += n;
            }
        }
        // README:end
    }

    /** Accepts one connection and reads it to its end: "N bytes, SHA-256 HEX". */
    private static String receive(ServerSocketChannel server) {
        try (SocketChannel peer = server.accept()) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            ByteBuffer buf = ByteBuffer.allocate(1 << 16);
            long total = 0;
            for (int n; (n = peer.read(buf)) >= 0; buf.clear()) {
                md.update(buf.flip());
                total += n;
            }
            return total + " bytes, SHA-256 " + HexFormat.of().formatHex(md.digest());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sha256(byte[] data, int length) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        md.update(data, 0, length);
        return HexFormat.of().formatHex(md.digest());
    }
}
