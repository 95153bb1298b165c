package dev.zerocopy.lab;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.SocketChannel;

/**
 * A connected TCP pair. On a {@link VethLab} the sender socket was created in the sending
 * namespace and the receiver in the receiving one; a socket keeps its namespace for life, so both
 * may be used from any thread.
 */
public record SocketPair(SocketChannel sender, SocketChannel receiver) implements Closeable {
    @Override
    public void close() throws IOException {
        try {
            sender.close();
        } finally {
            receiver.close();
        }
    }
}
