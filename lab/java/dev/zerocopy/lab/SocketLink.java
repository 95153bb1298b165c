package dev.zerocopy.lab;

import java.io.IOException;

/**
 * A way to get a connected TCP sender/receiver pair: over loopback ({@link LoopbackLink}) or over a
 * veth pair between two network namespaces ({@link VethLab}). The comparison runs the same paths
 * over each.
 */
public interface SocketLink extends AutoCloseable {
    /** A short name for tables: "loopback", "veth-sg", "veth-nosg". */
    String name();

    /** One line for reports: the path the bytes take, e.g. "loopback 127.0.0.1". */
    default String describe() {
        return name();
    }

    /** A new connected pair; both channels are blocking and owned by the caller. */
    SocketPair connect() throws IOException;

    /** Releases what the link created (namespaces, devices); pairs already handed out stay usable until closed. */
    @Override
    void close() throws IOException;
}
