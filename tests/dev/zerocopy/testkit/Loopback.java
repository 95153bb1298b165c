package dev.zerocopy.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/** A connected pair of TCP sockets on 127.0.0.1 (never another address). */
public final class Loopback implements AutoCloseable {
    public final SocketChannel client;
    public final SocketChannel server;

    private Loopback(SocketChannel client, SocketChannel server) {
        this.client = client;
        this.server = server;
    }

    /** sndbuf/rcvbuf: sizes to ask for (the kernel doubles and clamps them), or 0 for the defaults. */
    public static Loopback open(int clientSndBuf, int serverRcvBuf) throws IOException {
        try (ServerSocketChannel listener = ServerSocketChannel.open()) {
            if (serverRcvBuf > 0) {
                // Set before accept so the window is negotiated small (tcp(7)).
                listener.setOption(StandardSocketOptions.SO_RCVBUF, serverRcvBuf);
            }
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            SocketChannel client = SocketChannel.open();
            if (clientSndBuf > 0) {
                client.setOption(StandardSocketOptions.SO_SNDBUF, clientSndBuf);
            }
            client.connect(listener.getLocalAddress());
            SocketChannel server = listener.accept();
            return new Loopback(client, server);
        }
    }

    /**
     * The client's SO_SNDBUF and the server's SO_RCVBUF set to {@code bytes} (0: defaults), the
     * latter only after accept, so the window scale is negotiated with the default buffer.
     */
    public static Loopback openSetReceiveBufferAfterAccept(int bytes) throws IOException {
        Loopback pair = open(bytes, 0);
        if (bytes > 0) {
            pair.server.setOption(StandardSocketOptions.SO_RCVBUF, bytes);
        }
        return pair;
    }

    /** Closes the server side with SO_LINGER 0: the kernel sends RST instead of FIN (socket(7)). */
    public void resetServer() throws IOException {
        server.setOption(StandardSocketOptions.SO_LINGER, 0);
        server.close();
    }

    @Override
    public void close() throws IOException {
        client.close();
        server.close();
    }
}
