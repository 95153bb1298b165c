package dev.zerocopy.bench;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;

import dev.zerocopy.Fds;

/** The benchmarks' kernel objects: a page-cached source file and drained targets. */
public final class Fixtures {
    /** Offsets cycle through this much of the source (as bench/c/zc_floor.c does). */
    static final long CYCLE = 64L << 20;

    private Fixtures() {
    }

    /** A file of {@code size} pseudo-random bytes, synced and read once so it sits in the page cache. */
    public static Path sourceFile(long size) throws IOException {
        Path dir = Paths.get(System.getProperty("java.io.tmpdir"));
        Path path = Files.createTempFile(dir, "zc-bench-", ".bin");
        SplittableRandom random = new SplittableRandom(42);
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
        try (FileChannel out = FileChannel.open(path, StandardOpenOption.WRITE)) {
            for (long done = 0; done < size; ) {
                buf.clear();
                while (buf.hasRemaining()) {
                    buf.putLong(random.nextLong());
                }
                buf.flip();
                buf.limit((int) Math.min(buf.limit(), size - done));
                while (buf.hasRemaining()) {
                    done += out.write(buf);
                }
            }
            out.force(false);
        }
        try (FileChannel in = FileChannel.open(path)) {
            for (long pos = 0; pos < size; ) {
                buf.clear();
                int n = in.read(buf, pos);
                if (n < 0) {
                    break;
                }
                pos += n;
            }
        }
        return path;
    }

    /** A target the sender writes to, drained by a thread that discards what it reads. */
    public static final class Target implements Closeable {
        public final WritableByteChannel channel;
        public final int fd;
        private final Closeable resources;

        private Target(WritableByteChannel channel, Closeable resources, ReadableByteChannel drained) throws IOException {
            this.channel = channel;
            this.fd = Fds.of(channel);
            this.resources = resources;
            if (drained != null) {
                Thread t = new Thread(() -> drain(drained), "drain");
                t.setDaemon(true);
                t.start();
            }
        }

        public static Target open(String kind) throws IOException {
            switch (kind) {
                case "tcp":
                case "tcp-full": // a selector's socket whose peer does not read: every call meets EAGAIN
                    return loopback(kind.equals("tcp-full"));
                case "pipe": {
                    Pipe p = Pipe.open();
                    return new Target(p.sink(), () -> {
                        p.sink().close();
                        p.source().close();
                    }, p.source());
                }
                case "devnull": {
                    FileChannel ch = FileChannel.open(Paths.get("/dev/null"), StandardOpenOption.WRITE);
                    return new Target(ch, ch, null);
                }
                default:
                    throw new IllegalArgumentException("target " + kind);
            }
        }

        /** A connected loopback pair: drained by a thread, or non-blocking and filled until it takes nothing. */
        private static Target loopback(boolean full) throws IOException {
            try (ServerSocketChannel server = ServerSocketChannel.open()) {
                server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                SocketChannel sender = SocketChannel.open(server.getLocalAddress());
                SocketChannel receiver = server.accept();
                if (full) {
                    sender.configureBlocking(false);
                    ByteBuffer junk = ByteBuffer.allocateDirect(1 << 16);
                    for (int idle = 0; idle < 50; ) {
                        junk.clear();
                        idle = sender.write(junk) == 0 ? idle + 1 : 0;
                    }
                }
                return new Target(sender, () -> {
                    sender.close();
                    receiver.close();
                }, full ? null : receiver);
            }
        }

        private static void drain(ReadableByteChannel in) {
            ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
            try {
                while (in.read(buf) >= 0) {
                    buf.clear();
                }
            } catch (IOException e) {
                // closed at the end of the trial
            }
        }

        @Override
        public void close() throws IOException {
            resources.close();
        }
    }
}
