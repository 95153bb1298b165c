package dev.zerocopy.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channel;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.channels.SelectableChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.concurrent.atomic.AtomicInteger;

import dev.zerocopy.Fds;

/**
 * Real kernel objects to transfer into: a regular file, a pipe, a TCP connection on 127.0.0.1 and
 * a connected Unix-domain stream socket pair. Every kind but FILE has a {@link Drain} on the far
 * end, so both ends can be compared by count and SHA-256.
 */
public final class Targets {
    private static final AtomicInteger SEQ = new AtomicInteger();

    private Targets() {
    }

    public enum Kind {
        FILE, PIPE, TCP, UNIX;

        public boolean isStream() {
            return this != FILE;
        }
    }

    /** How to build a target; the reader's options (hash range, hold, close) are {@link Drain.Options}. */
    public static final class Options {
        final Drain.Options reader = new Drain.Options();
        int sendBuffer;
        int receiveBuffer;
        long filePosition;

        /** Count every byte but hash only those from this stream position on. */
        public Options hashFrom(long position) {
            reader.hashFrom(position);
            return this;
        }

        /** The reader waits for {@link Target#startReading()} before its first read. */
        public Options deferReading() {
            reader.holdAfter(0);
            return this;
        }

        /** The reader stops after this many bytes until {@link Target#startReading()}. */
        public Options holdAfter(long bytes) {
            reader.holdAfter(bytes);
            return this;
        }

        /** The reader closes its end after receiving this many bytes (a peer that goes away). */
        public Options closeAfter(long bytes) {
            reader.closeAfter(bytes);
            return this;
        }

        /** At most this many bytes per read. */
        public Options readSize(int bytes) {
            reader.readSize(bytes);
            return this;
        }

        public Options sendBuffer(int bytes) {
            sendBuffer = bytes;
            return this;
        }

        public Options receiveBuffer(int bytes) {
            receiveBuffer = bytes;
            return this;
        }

        /** FILE: position the target this far into the (empty) file before the transfer. */
        public Options filePosition(long position) {
            filePosition = position;
            return this;
        }
    }

    public static Target open(Kind kind, Path dir) throws IOException {
        return open(kind, dir, new Options());
    }

    public static Target open(Kind kind, Path dir, Options options) throws IOException {
        switch (kind) {
            case FILE:
                return new FileTarget(dir, options);
            case PIPE: {
                Pipe pipe = Pipe.open();
                return new StreamTarget(kind, pipe.sink(), Drain.start(pipe.source(), options.reader));
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
            return new StreamTarget(Kind.TCP, client, Drain.start(server.accept(), options.reader));
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
            return new StreamTarget(Kind.UNIX, client, Drain.start(accepted, options.reader));
        } finally {
            Files.deleteIfExists(socket); // the connection lives on without the name
        }
    }

    /** A transfer target: write to {@link #fd()}, then {@link #finish()} to learn what arrived. */
    public abstract static class Target implements AutoCloseable {
        public final Kind kind;

        Target(Kind kind) {
            this.kind = kind;
        }

        /** The fd to pass as fdOut. */
        public abstract int fd();

        /** The channel behind fd(), e.g. to configure it non-blocking. */
        public abstract Channel writer();

        /** The channel the reader drains (null for FILE), e.g. to read its buffer size. */
        public Channel readerChannel() {
            return null;
        }

        /** Waits (up to 2 minutes) for the reader to stop: end of stream, or closeAfter reached. */
        public void awaitReader() throws InterruptedException {
        }

        /** Waits until a reader with holdAfter holds; false on timeout. */
        public boolean awaitHeld(long seconds) throws InterruptedException {
            return true;
        }

        /** Lets a deferred or holding reader go on. */
        public void startReading() {
        }

        /** Bytes the reader has taken so far. */
        public long receivedSoFar() {
            return 0;
        }

        /** Ends the writing side, waits for the reader to see end of stream, and returns what arrived. */
        public abstract Received finish() throws Exception;

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
        public int fd() {
            try {
                return Fds.of(channel);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public FileChannel writer() {
            return channel;
        }

        @Override
        public Received finish() throws IOException {
            channel.close();
            long hashFrom = options.reader.hashFrom;
            MessageDigest md = Hashing.sha256();
            long n;
            try (FileChannel in = FileChannel.open(path)) {
                n = Hashing.update(md, in, options.filePosition + hashFrom, Long.MAX_VALUE);
            }
            return new Received(n + hashFrom, Hashing.hex(md.digest()));
        }

        @Override
        public void close() throws IOException {
            channel.close();
            Files.deleteIfExists(path);
        }
    }

    private static final class StreamTarget extends Target {
        private final Channel writer;
        private final Drain drain;

        StreamTarget(Kind kind, Channel writer, Drain drain) {
            super(kind);
            this.writer = writer;
            this.drain = drain;
        }

        @Override
        public int fd() {
            try {
                return Fds.of(writer);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public Channel writer() {
            return writer;
        }

        @Override
        public boolean awaitHeld(long seconds) throws InterruptedException {
            return drain.awaitHeld(seconds);
        }

        @Override
        public void startReading() {
            drain.release();
        }

        @Override
        public Channel readerChannel() {
            return drain.channel();
        }

        @Override
        public void awaitReader() throws InterruptedException {
            drain.awaitEnd(120);
        }

        @Override
        public long receivedSoFar() {
            return drain.count();
        }

        @Override
        public Received finish() throws Exception {
            if (writer instanceof SelectableChannel s && !s.isBlocking()) {
                s.configureBlocking(true);
            }
            writer.close();
            return drain.await();
        }

        @Override
        public void close() throws IOException {
            writer.close();
            try {
                drain.stop(30);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
