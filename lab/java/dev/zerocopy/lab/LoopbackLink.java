package dev.zerocopy.lab;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/** TCP over 127.0.0.1 in the JVM's own network namespace. */
public final class LoopbackLink implements SocketLink {
    @Override
    public String name() {
        return "loopback";
    }

    @Override
    public String describe() {
        return "loopback " + InetAddress.getLoopbackAddress().getHostAddress();
    }

    @Override
    public SocketPair connect() throws IOException {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            SocketChannel sender = SocketChannel.open(server.getLocalAddress());
            try {
                return new SocketPair(sender, server.accept());
            } catch (IOException | RuntimeException e) {
                sender.close();
                throw e;
            }
        }
    }

    @Override
    public void close() {
    }
}
