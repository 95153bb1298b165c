package dev.zerocopy.cli;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.SocketChannel;

/**
 * Where a TCP target's bytes travel: supplies connected sender/receiver socket pairs. Loopback
 * is the one implementation today; another (e.g. a veth pair between network namespaces) only
 * has to hand back connected, blocking SocketChannels.
 */
public interface Link extends Closeable {
    /** Short name, as given to --link. */
    String name();

    /** What the report prints about the path, e.g. "loopback 127.0.0.1". */
    String describe();

    /** A new connected pair of blocking sockets: the sender writes, the receiver reads. */
    Connection connect() throws IOException;

    /** Releases what the link set up (namespaces, devices); connections are closed by their owner. */
    @Override
    default void close() throws IOException {
    }

    /** One TCP connection of a link. */
    record Connection(SocketChannel sender, SocketChannel receiver) implements Closeable {
        @Override
        public void close() throws IOException {
            try (SocketChannel s = sender; SocketChannel r = receiver) {
                // both closed, the first failure reported
            }
        }
    }
}
