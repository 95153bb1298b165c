package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channel;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * fd(Channel) and fd(FileDescriptor) give the number the kernel knows the object by: checked
 * against what /proc/self/fd/N points at, and for sockets against the inode the kernel lists in
 * /proc/net/{tcp,udp,unix} for that address.
 */
class FdAccessTest {
    @TempDir
    Path dir;

    static String link(int fd) throws IOException {
        return Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
    }

    /**
     * The inode of the socket in {@code /proc/net/<table>[6]} bound to local {@code port} in {@code state} (any
     * state if null). Rows with inode 0 are skipped: a TIME_WAIT socket left by an earlier test on the same
     * port has no inode and would otherwise match first (seen in CI: "expected socket:[0]").
     */
    static String socketInode(String table, int port, String state) throws IOException {
        String hexPort = String.format(":%04X", port);
        for (String t : List.of(table, table + "6")) {
            for (String line : Files.readAllLines(Path.of("/proc/net/" + t))) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 9 && f[1].endsWith(hexPort) && (state == null || f[3].equals(state)) && !f[9].equals("0")) {
                    return f[9];
                }
            }
        }
        throw new AssertionError("no socket on port " + port + " in /proc/net/" + table + "[6]");
    }

    /**
     * The holds reach the JDK's members through constant method handles (JdkHandles) on the JDKs
     * this library supports, and through JNI when told so: the pom's holds-through-jni execution
     * runs this class and the hold tests again with -Ddev.zerocopy.jdkHandles=false. A JDK whose
     * layout the handles miss fails here instead of silently taking the slower path.
     */
    @Test
    void theHoldsTakeTheConfiguredPath() {
        boolean jniOnly = "false".equals(System.getProperty("dev.zerocopy.jdkHandles"));
        assertEquals(!jniOnly, JdkHandles.AVAILABLE, "method handles for the JDK's members on " + Runtime.version());
    }

    @Test
    void standardStreams() {
        assertEquals(0, Fds.of(FileDescriptor.in));
        assertEquals(1, Fds.of(FileDescriptor.out));
        assertEquals(2, Fds.of(FileDescriptor.err));
    }

    @Test
    void fileStreamsAndRandomAccessFile() throws Exception {
        Path file = Files.write(dir.resolve("f"), new byte[10]);
        try (FileInputStream in = new FileInputStream(file.toFile());
             FileOutputStream out = new FileOutputStream(dir.resolve("g").toFile());
             RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            assertEquals(file.toString(), link(Fds.of(in.getFD())));
            assertEquals(dir.resolve("g").toString(), link(Fds.of(out.getFD())));
            assertEquals(file.toString(), link(Fds.of(raf.getFD())));
            // The channel of a stream shares its descriptor.
            assertEquals(Fds.of(in.getFD()), Fds.of(in.getChannel()));
        }
    }

    @Test
    void invalidFileDescriptor() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> Fds.of(new FileDescriptor()));
        FileInputStream in = new FileInputStream(Files.write(dir.resolve("f"), new byte[1]).toFile());
        FileDescriptor fd = in.getFD();
        in.close();
        assertThrows(IllegalArgumentException.class, () -> Fds.of(fd));
        assertThrows(NullPointerException.class, () -> Fds.of((FileDescriptor) null));
    }

    @Test
    void fileChannel() throws Exception {
        Path file = Files.write(dir.resolve("f"), new byte[10]);
        try (FileChannel ch = FileChannel.open(file)) {
            assertEquals(file.toString(), link(Fds.of(ch)));
        }
    }

    @Test
    void tcpChannels() throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             SocketChannel client = SocketChannel.open(server.getLocalAddress());
             SocketChannel accepted = server.accept()) {
            int serverPort = ((InetSocketAddress) server.getLocalAddress()).getPort();
            int clientPort = ((InetSocketAddress) client.getLocalAddress()).getPort();
            assertEquals("socket:[" + socketInode("tcp", serverPort, "0A" /* TCP_LISTEN */) + "]", link(Fds.of(server)));
            assertEquals("socket:[" + socketInode("tcp", clientPort, "01" /* TCP_ESTABLISHED */) + "]", link(Fds.of(client)));
            String acceptedLink = link(Fds.of(accepted));
            assertTrue(acceptedLink.startsWith("socket:["), acceptedLink);
            assertNotEquals(link(Fds.of(server)), acceptedLink);
        }
    }

    @Test
    void datagramChannel() throws Exception {
        try (DatagramChannel ch = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            int port = ((InetSocketAddress) ch.getLocalAddress()).getPort();
            assertEquals("socket:[" + socketInode("udp", port, null) + "]", link(Fds.of(ch)));
        }
    }

    @Test
    void unixChannels() throws Exception {
        Path name = dir.resolve("s");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(UnixDomainSocketAddress.of(name))) {
            String inode = null;
            for (String line : Files.readAllLines(Path.of("/proc/net/unix"))) {
                if (line.endsWith(" " + name)) {
                    String[] f = line.trim().split("\\s+");
                    inode = f[6];
                }
            }
            assertEquals("socket:[" + inode + "]", link(Fds.of(server)));
            try (SocketChannel client = SocketChannel.open(server.getLocalAddress()); SocketChannel accepted = server.accept()) {
                assertTrue(link(Fds.of(client)).startsWith("socket:["));
                assertTrue(link(Fds.of(accepted)).startsWith("socket:["));
            }
        }
    }

    @Test
    void pipeEnds() throws Exception {
        Pipe pipe = Pipe.open();
        try (Pipe.SourceChannel source = pipe.source(); Pipe.SinkChannel sink = pipe.sink()) {
            int in = Fds.of(source);
            int out = Fds.of(sink);
            assertNotEquals(in, out);
            assertTrue(link(in).startsWith("pipe:["), link(in));
            assertEquals(link(in), link(out), "both ends are the same pipe");
            // And they are the right way round: what the sink's fd gets, the source's fd gives.
            try (FileOutputStream w = new FileOutputStream("/proc/self/fd/" + out)) {
                w.write(42);
            }
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
            assertEquals(1, source.read(b));
            assertEquals(42, b.get(0));
        }
    }

    @Test
    void closedChannels() throws Exception {
        Path file = Files.write(dir.resolve("f"), new byte[1]);
        FileChannel fc = FileChannel.open(file);
        fc.close();
        SocketChannel sc = SocketChannel.open();
        sc.close();
        Pipe pipe = Pipe.open();
        pipe.source().close();
        pipe.sink().close();
        for (Channel ch : List.of(fc, sc, pipe.source(), pipe.sink())) {
            assertThrows(ClosedChannelException.class, () -> Fds.of(ch), ch.getClass().getName());
        }
    }

    @Test
    void channelsWithoutADescriptor() throws Exception {
        // A JDK channel that wraps a stream, and a channel of our own: neither has an fd.
        try (InputStream stream = InputStream.nullInputStream();
             Channel wrapped = Channels.newChannel(stream)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Fds.of(wrapped));
            assertTrue(e.getMessage().contains(wrapped.getClass().getName()), e.getMessage());
        }
        Channel mine = new Channel() {
            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {
            }
        };
        assertThrows(IllegalArgumentException.class, () -> Fds.of(mine));
        assertThrows(NullPointerException.class, () -> Fds.of((Channel) null));
    }
}
