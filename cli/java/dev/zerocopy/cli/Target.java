package dev.zerocopy.cli;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;

/** A kind of destination the contenders write to: a TCP connection, a regular file, a pipe. */
public interface Target {
    /** What the destination is; contenders may serve some kinds only. */
    enum Kind { SOCKET, FILE, PIPE, DEVNULL }

    /** Short name, as given to --targets. */
    String name();

    /** One line for the report: what the bytes go through and how they are verified. */
    String describe();

    Kind kind();

    /** The --links the bytes travel over ("loopback", "veth-sg", ...), or null for a target without one. */
    default String link() {
        return null;
    }

    /** The name with its link, as the report heads its rows: "tcp over veth-nosg", "file". */
    default String label() {
        return link() == null ? name() : name() + " over " + link();
    }

    /** False for /dev/null: nothing is copied, so its figures are not copy rates (docs/anchors.md, Traps). */
    default boolean copies() {
        return true;
    }

    /**
     * A fresh destination (a connection, a file, a pipe) for one contender; workDir for files;
     * receiverCpu the CPU its receiving thread pins itself to, or -1 to leave it to the scheduler.
     */
    Endpoint open(Path workDir, int receiverCpu) throws IOException;

    /** One open destination. The sender writes to {@link #channel()} or {@link #fd()}. */
    interface Endpoint extends Closeable {
        /** Blocking channel the NIO contenders write to. */
        WritableByteChannel channel();

        /** The same destination as an fd, for the native contenders. */
        int fd();

        /** Prepares for a sample of {@code expectedBytes} (outside the timed part). */
        void begin(long expectedBytes) throws IOException;

        /**
         * Waits until the destination holds the sample (the receiver read every byte), and returns
         * what arrived. Throws if it does not arrive within {@code timeoutMillis}.
         */
        Receipt finish(long timeoutMillis) throws IOException;

        /**
         * Called after the last transfer of a sample, inside the timed part: pushes out what the
         * sender still holds back. For TCP, Nagle's algorithm keeps a last sub-MSS segment until
         * the receiver acknowledges, and a receiver in delayed-ACK mode answers only when its
         * timer fires (40 ms): without the push, that one stall decided a sample's figure.
         */
        default void flush() throws IOException {
        }

        /** The sending socket's TCP figures now, or null for a destination that is not TCP. */
        default TcpCounters.Reading tcpReading() {
            return null;
        }

        /** The sending device's offloads now (veth links), or null where there is no device to read. */
        default dev.zerocopy.NetDevices.Offloads offloads() throws IOException {
            return null;
        }
    }

    /**
     * What one sample delivered.
     *
     * @param bytes bytes that arrived
     * @param crc32c their CRC32C, or -1 when the destination keeps nothing to check (/dev/null)
     * @param lastByteNanos System.nanoTime() when the last byte was read, or 0 when the write
     *     itself completes the delivery (file, /dev/null)
     * @param receiverCpuNanos CPU time the receiving thread spent on the sample (its thread clock),
     *     0 where no thread receives (file, /dev/null)
     */
    record Receipt(long bytes, long crc32c, long lastByteNanos, long receiverCpuNanos) {
        boolean verifiable() {
            return crc32c >= 0;
        }
    }
}
