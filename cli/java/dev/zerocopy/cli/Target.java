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

    /** The --link the bytes travel over ("loopback", "veth-sg", ...), or null for a target without one. */
    default String link() {
        return null;
    }

    /** False for /dev/null: nothing is copied, so its figures are not copy rates (docs/anchors.md, Traps). */
    default boolean copies() {
        return true;
    }

    /** A fresh destination (a connection, a file, a pipe) for one contender; workDir for files. */
    Endpoint open(Path workDir) throws IOException;

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
    }

    /**
     * What one sample delivered.
     *
     * @param bytes bytes that arrived
     * @param crc32c their CRC32C, or -1 when the destination keeps nothing to check (/dev/null)
     * @param lastByteNanos System.nanoTime() when the last byte was read, or 0 when the write
     *     itself completes the delivery (file, /dev/null)
     */
    record Receipt(long bytes, long crc32c, long lastByteNanos) {
        boolean verifiable() {
            return crc32c >= 0;
        }
    }
}
