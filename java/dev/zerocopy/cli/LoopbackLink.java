package dev.zerocopy.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/** TCP over the loopback device, 127.0.0.1: delivered locally, so the receiver still copies. */
final class LoopbackLink implements Link {
    @Override
    public String name() {
        return "loopback";
    }

    @Override
    public String describe() {
        return "loopback " + InetAddress.getLoopbackAddress().getHostAddress();
    }

    @Override
    public Connection connect() throws IOException {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
            SocketChannel sender = SocketChannel.open(server.getLocalAddress());
            try {
                return new Connection(sender, server.accept());
            } catch (IOException | RuntimeException e) {
                sender.close();
                throw e;
            }
        }
    }
}
