package dev.zerocopy.cli;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.zerocopy.Fds;
import dev.zerocopy.NetDevices;
import dev.zerocopy.cli.Target.Endpoint;
import dev.zerocopy.cli.Target.Receipt;
import dev.zerocopy.lab.SocketLink;
import dev.zerocopy.lab.SocketPair;

/** The targets of the comparison, by name. */
final class Targets {
    /** Names --targets accepts, in report order; /dev/null only on request. */
    static final List<String> NAMES = List.of("tcp", "file", "pipe", "devnull");
    static final List<String> DEFAULT = List.of("tcp", "file", "pipe");

    private Targets() {
    }

    /** The targets named, in order; "tcp" once per link (none when links is empty). */
    static List<Target> byNames(List<String> names, List<SocketLink> links) {
        List<Target> out = new ArrayList<>();
        for (String n : names) {
            switch (n.toLowerCase(Locale.ROOT)) {
                case "tcp":
                    for (SocketLink link : links) {
                        out.add(new Tcp(link));
                    }
                    break;
                case "file":
                    out.add(new File());
                    break;
                case "pipe":
                    out.add(new PipeTarget());
                    break;
                case "devnull":
                case "/dev/null":
                    out.add(new DevNull());
                    break;
                default:
                    throw new IllegalArgumentException("unknown target '" + n + "'; choose from " + NAMES);
            }
        }
        return out;
    }

    /** A TCP connection over a {@link SocketLink}; a receiver thread reads and hashes every byte. */
    static final class Tcp implements Target {
        private final SocketLink link;

        Tcp(SocketLink link) {
            this.link = link;
        }

        @Override
        public String name() {
            return "tcp";
        }

        @Override
        public String describe() {
            return "TCP over " + link.describe() + "; a receiver thread reads every byte and checks its CRC32C";
        }

        @Override
        public Kind kind() {
            return Kind.SOCKET;
        }

        @Override
        public String link() {
            return link.name();
        }

        @Override
        public Endpoint open(Path workDir, int receiverCpu) throws IOException {
            SocketPair c = link.connect();
            try {
                int fd = Fds.of(c.sender());
                return new Streamed(c, c.sender(), fd, new Receiver(c.receiver(), "tcp", receiverCpu)) {
                    @Override
                    public void flush() throws IOException {
                        // tcp(7): setting TCP_NODELAY forces an explicit flush of pending output.
                        // Nagle stays on for the transfers themselves, as the JDK leaves it.
                        c.sender().setOption(StandardSocketOptions.TCP_NODELAY, true);
                        c.sender().setOption(StandardSocketOptions.TCP_NODELAY, false);
                    }

                    @Override
                    public TcpCounters.Reading tcpReading() {
                        return TcpCounters.Reading.of(fd, link.senderProcNet());
                    }

                    @Override
                    public NetDevices.Offloads offloads() throws IOException {
                        return link.senderOffloads();
                    }
                };
            } catch (IOException | RuntimeException e) {
                c.close();
                throw e;
            }
        }
    }

    /** A pipe (pipe(2) through java.nio.channels.Pipe, 64 KiB default capacity); read and hashed by a thread. */
    static final class PipeTarget implements Target {
        @Override
        public String name() {
            return "pipe";
        }

        @Override
        public String describe() {
            return "a pipe (default 64 KiB capacity); a receiver thread reads every byte and checks its CRC32C";
        }

        @Override
        public Kind kind() {
            return Kind.PIPE;
        }

        @Override
        public Endpoint open(Path workDir, int receiverCpu) throws IOException {
            Pipe p = Pipe.open();
            java.io.Closeable both = () -> {
                try (Pipe.SinkChannel sink = p.sink(); Pipe.SourceChannel source = p.source()) {
                    // closed together
                }
            };
            try {
                return new Streamed(both, p.sink(), Fds.of(p.sink()), new Receiver(p.source(), "pipe", receiverCpu));
            } catch (IOException | RuntimeException e) {
                both.close();
                throw e;
            }
        }
    }

    /** An endpoint whose bytes a {@link Receiver} reads on the other side. */
    private static class Streamed implements Endpoint {
        private final java.io.Closeable resources;
        private final WritableByteChannel channel;
        private final int fd;
        private final Receiver receiver;

        Streamed(java.io.Closeable resources, WritableByteChannel channel, int fd, Receiver receiver) {
            this.resources = resources;
            this.channel = channel;
            this.fd = fd;
            this.receiver = receiver;
        }

        @Override
        public WritableByteChannel channel() {
            return channel;
        }

        @Override
        public int fd() {
            return fd;
        }

        @Override
        public void begin(long expectedBytes) {
            receiver.expect(expectedBytes);
        }

        @Override
        public Receipt finish(long timeoutMillis) throws IOException {
            return receiver.await(timeoutMillis);
        }

        @Override
        public void close() throws IOException {
            resources.close(); // the receiver's read fails and its thread ends
        }
    }

    /** A regular file next to the source, truncated before each sample and read back after it. */
    static final class File implements Target {
        @Override
        public String name() {
            return "file";
        }

        @Override
        public String describe() {
            return "a regular file in the work directory (into the page cache, not synced), read back and CRC32C-checked";
        }

        @Override
        public Kind kind() {
            return Kind.FILE;
        }

        @Override
        public Endpoint open(Path workDir, int receiverCpu) throws IOException {
            Path path = Files.createTempFile(workDir, "target-", ".bin");
            FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
            return new Endpoint() {
                @Override
                public WritableByteChannel channel() {
                    return ch;
                }

                @Override
                public int fd() {
                    try {
                        return Fds.of(ch);
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                }

                @Override
                public void begin(long expectedBytes) throws IOException {
                    ch.truncate(0);
                    ch.position(0); // native writes go to the fd's file position, NIO's too
                }

                @Override
                public Receipt finish(long timeoutMillis) throws IOException {
                    long size = ch.size();
                    return new Receipt(size, Source.crc32c(ch, 0, size), 0, 0);
                }

                @Override
                public void close() throws IOException {
                    try {
                        ch.close();
                    } finally {
                        Files.deleteIfExists(path);
                    }
                }
            };
        }
    }

    /**
     * /dev/null: the kernel discards the bytes without reading them, so sendfile, splice and
     * mmap+write copy nothing (mmap+write does not even fault the pages in). Labelled as such in
     * every report; never a copy rate (docs/anchors.md, Traps).
     */
    static final class DevNull implements Target {
        @Override
        public String name() {
            return "devnull";
        }

        @Override
        public String describe() {
            return "/dev/null: NOTHING IS COPIED; figures show call overhead only, never a copy rate";
        }

        @Override
        public Kind kind() {
            return Kind.DEVNULL;
        }

        @Override
        public boolean copies() {
            return false;
        }

        @Override
        public Endpoint open(Path workDir, int receiverCpu) throws IOException {
            FileChannel ch = FileChannel.open(Paths.get("/dev/null"), StandardOpenOption.WRITE);
            int fd = Fds.of(ch);
            return new Endpoint() {
                private long expected;

                @Override
                public WritableByteChannel channel() {
                    return ch;
                }

                @Override
                public int fd() {
                    return fd;
                }

                @Override
                public void begin(long expectedBytes) {
                    expected = expectedBytes;
                }

                @Override
                public Receipt finish(long timeoutMillis) {
                    return new Receipt(expected, -1, 0, 0); // nothing to check: the bytes are gone
                }

                @Override
                public void close() throws IOException {
                    ch.close();
                }
            };
        }
    }
}
