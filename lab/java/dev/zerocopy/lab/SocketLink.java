package dev.zerocopy.lab;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;

import dev.zerocopy.NetDevices;

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

    /** /proc/net as the sending side's network namespace sees it (its TcpExt counters). */
    default Path senderProcNet() {
        return Paths.get("/proc/self/net");
    }

    /** The sending device's offloads now, or null where there is no device to read (loopback). */
    default NetDevices.Offloads senderOffloads() throws IOException {
        return null;
    }

    /** A new connected pair; both channels are blocking and owned by the caller. */
    SocketPair connect() throws IOException;

    /** Releases what the link created (namespaces, devices); pairs already handed out stay usable until closed. */
    @Override
    void close() throws IOException;
}
