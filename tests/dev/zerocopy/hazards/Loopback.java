package dev.zerocopy.hazards;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/** A connected pair of TCP sockets on 127.0.0.1 (never another address). */
final class Loopback implements AutoCloseable {
    final SocketChannel client;
    final SocketChannel server;

    private Loopback(SocketChannel client, SocketChannel server) {
        this.client = client;
        this.server = server;
    }

    /** sndbuf/rcvbuf: sizes to ask for (the kernel doubles and clamps them), or 0 for the defaults. */
    static Loopback open(int clientSndBuf, int serverRcvBuf) throws IOException {
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

    /** Closes the server side with SO_LINGER 0: the kernel sends RST instead of FIN (socket(7)). */
    void resetServer() throws IOException {
        server.setOption(StandardSocketOptions.SO_LINGER, 0);
        server.close();
    }

    @Override
    public void close() throws IOException {
        client.close();
        server.close();
    }
}
