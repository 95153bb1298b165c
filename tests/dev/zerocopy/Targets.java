package dev.zerocopy;

import dev.zerocopy.testkit.Hashing;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Real kernel objects to transfer into: a regular file, a pipe, a TCP connection on 127.0.0.1 and
 * a connected Unix-domain stream socket pair. Every kind but FILE has a reader thread on the far
 * end that drains and hashes what arrives, so both ends can be compared by SHA-256.
 */
final class Targets {
    private static final AtomicInteger SEQ = new AtomicInteger();

    private Targets() {
    }

    enum Kind {
        FILE, PIPE, TCP, UNIX;

        boolean isStream() {
            return this != FILE;
        }
    }

    /** What the far end got: the byte count and the SHA-256 of the bytes past {@link Options#hashFrom}. */
    record Received(long count, String sha256) {
    }

    /** How to build a target; defaults: hash everything, read at once, default buffer sizes. */
    static final class Options {
        long hashFrom;
        boolean deferReading;
        long closeAfter = -1;
        int sendBuffer;
        int receiveBuffer;
        long filePosition;

        /** Count every byte but hash only those from this stream position on (multi-GiB sparse sources). */
        Options hashFrom(long position) {
            hashFrom = position;
            return this;
        }

        /** The reader waits for {@link Target#startReading()} before its first read. */
        Options deferReading() {
            deferReading = true;
            return this;
        }

        /** The reader closes its end after receiving this many bytes (a peer that goes away). */
        Options closeAfter(long bytes) {
            closeAfter = bytes;
            return this;
        }

        Options sendBuffer(int bytes) {
            sendBuffer = bytes;
            return this;
        }

        Options receiveBuffer(int bytes) {
            receiveBuffer = bytes;
            return this;
        }

        /** FILE: position the target this far into the (empty) file before the transfer. */
        Options filePosition(long position) {
            filePosition = position;
            return this;
        }
    }

    static Target open(Kind kind, Path dir) throws IOException {
        return open(kind, dir, new Options());
    }

    static Target open(Kind kind, Path dir, Options options) throws IOException {
        switch (kind) {
            case FILE:
                return new FileTarget(dir, options);
            case PIPE: {
                Pipe pipe = Pipe.open();
                return new StreamTarget(kind, pipe.sink(), pipe.source(), options);
            }
            case TCP:
                return tcp(options);
            case UNIX:
                return unix(dir, options);
            default:
                throw new AssertionError(kind);
        }
    }

    private static Target tcp(Options options) throws IOException {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            if (options.receiveBuffer > 0) {
                server.setOption(StandardSocketOptions.SO_RCVBUF, options.receiveBuffer); // inherited by accepted sockets
            }
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            SocketChannel client = SocketChannel.open();
            if (options.sendBuffer > 0) {
                client.setOption(StandardSocketOptions.SO_SNDBUF, options.sendBuffer);
            }
            client.connect(server.getLocalAddress());
            return new StreamTarget(Kind.TCP, client, server.accept(), options);
        }
    }

    private static Target unix(Path dir, Options options) throws IOException {
        Path socket = dir.resolve("sock-" + SEQ.incrementAndGet());
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX);
            if (options.sendBuffer > 0) {
                client.setOption(StandardSocketOptions.SO_SNDBUF, options.sendBuffer);
            }
            client.connect(server.getLocalAddress());
            SocketChannel accepted = server.accept();
            if (options.receiveBuffer > 0) {
                accepted.setOption(StandardSocketOptions.SO_RCVBUF, options.receiveBuffer);
            }
            return new StreamTarget(Kind.UNIX, client, accepted, options);
        } finally {
            Files.deleteIfExists(socket); // the connection lives on without the name
        }
    }

    /** A transfer target: write to {@link #fd()}, then {@link #finish()} to learn what arrived. */
    abstract static class Target implements AutoCloseable {
        final Kind kind;

        Target(Kind kind) {
            this.kind = kind;
        }

        /** The fd to pass as fdOut. */
        abstract int fd();

        /** The channel behind fd(), e.g. to configure it non-blocking. */
        abstract java.nio.channels.Channel writer();

        /** The channel the reader drains (null for FILE), e.g. to read its buffer size. */
        java.nio.channels.Channel readerChannel() {
            return null;
        }

        /** Waits for the reader to stop (end of stream, or closeAfter reached). */
        void awaitReader() throws InterruptedException {
        }

        /** Lets a deferred reader start draining. */
        void startReading() {
        }

        /** Bytes the reader has taken so far. */
        long receivedSoFar() {
            return 0;
        }

        /** Ends the writing side, waits for the reader to see end of stream, and returns what arrived. */
        abstract Received finish() throws Exception;

        @Override
        public abstract void close() throws IOException;

        @Override
        public String toString() {
            return kind.toString();
        }
    }

    private static final class FileTarget extends Target {
        private final Path path;
        private final FileChannel channel;
        private final Options options;

        FileTarget(Path dir, Options options) throws IOException {
            super(Kind.FILE);
            this.options = options;
            path = dir.resolve("target-" + SEQ.incrementAndGet());
            channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            channel.position(options.filePosition);
        }

        @Override
        int fd() {
            try {
                return Fds.of(channel);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        FileChannel writer() {
            return channel;
        }

        @Override
        Received finish() throws IOException {
            channel.close();
            long start = options.filePosition + options.hashFrom;
            MessageDigest md = Hashing.sha256();
            long n;
            try (FileChannel in = FileChannel.open(path)) {
                n = Hashing.update(md, in, start, Long.MAX_VALUE);
            }
            return new Received(n + options.hashFrom, Hashing.hex(md.digest()));
        }

        @Override
        public void close() throws IOException {
            channel.close();
            Files.deleteIfExists(path);
        }
    }

    private static final class StreamTarget extends Target {
        private final java.nio.channels.Channel writer;
        private final Drain drain;

        StreamTarget(Kind kind, java.nio.channels.Channel writer, ReadableByteChannel reader, Options options) {
            super(kind);
            this.writer = writer;
            this.drain = new Drain(reader, options);
            drain.start();
        }

        @Override
        int fd() {
            try {
                return Fds.of(writer);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        java.nio.channels.Channel writer() {
            return writer;
        }

        @Override
        void startReading() {
            drain.gate.countDown();
        }

        @Override
        java.nio.channels.Channel readerChannel() {
            return drain.channel;
        }

        @Override
        void awaitReader() throws InterruptedException {
            drain.join(TimeUnit.MINUTES.toMillis(2));
        }

        @Override
        long receivedSoFar() {
            return drain.count;
        }

        @Override
        Received finish() throws Exception {
            if (writer instanceof SelectableChannel && !((SelectableChannel) writer).isBlocking()) {
                ((SelectableChannel) writer).configureBlocking(true);
            }
            writer.close();
            startReading();
            return drain.await();
        }

        @Override
        public void close() throws IOException {
            writer.close();
            startReading();
            drain.channel.close();
            try {
                drain.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Reads to end of stream (or to closeAfter), counting every byte and hashing those past hashFrom. */
    static final class Drain extends Thread {
        final ReadableByteChannel channel;
        final CountDownLatch gate;
        private final Options options;
        private final MessageDigest md = Hashing.sha256();
        volatile long count;
        private volatile Throwable failure;
        private volatile String sha256;

        Drain(ReadableByteChannel channel, Options options) {
            super("drain-" + SEQ.incrementAndGet());
            setDaemon(true);
            this.channel = channel;
            this.options = options;
            this.gate = new CountDownLatch(options.deferReading ? 1 : 0);
        }

        @Override
        public void run() {
            ByteBuffer buf = ByteBuffer.allocateDirect(256 * 1024);
            try {
                gate.await();
                long n = 0;
                while (true) {
                    buf.clear();
                    if (options.closeAfter >= 0 && buf.remaining() > options.closeAfter - n) {
                        buf.limit((int) (options.closeAfter - n));
                    }
                    if (options.closeAfter >= 0 && n >= options.closeAfter) {
                        channel.close();
                        break;
                    }
                    int r = channel.read(buf);
                    if (r < 0) {
                        break;
                    }
                    buf.flip();
                    if (n + r > options.hashFrom) {
                        buf.position((int) Math.max(0, options.hashFrom - n));
                        md.update(buf);
                    }
                    n += r;
                    count = n;
                }
                sha256 = Hashing.hex(md.digest());
            } catch (Throwable t) {
                failure = t;
            }
        }

        Received await() throws Exception {
            join(TimeUnit.MINUTES.toMillis(5));
            if (isAlive()) {
                channel.close();
                throw new AssertionError("reader did not see end of stream after " + count + " bytes");
            }
            if (failure != null) {
                throw new AssertionError("reader failed after " + count + " bytes", failure);
            }
            return new Received(count, sha256);
        }
    }
}
