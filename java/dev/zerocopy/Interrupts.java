package dev.zerocopy;

import java.io.IOException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.Channel;
import java.nio.channels.ClosedByInterruptException;

/**
 * What a transfer does when its thread is interrupted or a channel is closed under it, as the
 * running JDK's FileChannel does. An interrupted thread closes the file channel whose method it
 * called and gets ClosedByInterruptException; from JDK 22 on the other channel is closed too
 * (JDK-8310902: FileChannelImpl.transferFailed closes "this channel and the source/target
 * channel"). A native call cannot be woken by Thread.interrupt(), so the channel layer looks
 * between chunks (at most {@link ChannelTransferTo#CHUNK} bytes): this is also how an endless
 * source such as /dev/zero is ended, by interrupting the thread or closing either channel.
 */
final class Interrupts {
    /** JDK 22+ closes both channels of an interrupted transfer (JDK-8310902). */
    static final boolean CLOSES_BOTH = Runtime.version().feature() >= 22;

    private Interrupts() {
    }

    /**
     * At the start of a transfer and between its chunks: whether it must stop now and return
     * {@code done}.
     *
     * @throws ClosedByInterruptException if the thread is interrupted and nothing moved yet (the
     *     channels are closed first, as the running JDK does)
     * @throws AsynchronousCloseException if a channel was closed and nothing moved yet
     */
    static boolean stop(Channel fileSide, Channel other, long done) throws IOException {
        if (Thread.currentThread().isInterrupted()) {
            closeForInterrupt(fileSide, other);
            if (done == 0) {
                throw new ClosedByInterruptException();
            }
            return true;
        }
        if (!fileSide.isOpen() || !other.isOpen()) {
            if (done == 0) {
                throw new AsynchronousCloseException();
            }
            return true;
        }
        return false;
    }

    /** A transfer's body, run by {@link #closingOnInterrupt}. */
    interface Transfer {
        long run() throws IOException;
    }

    /**
     * Runs {@code transfer}; when an operation of the JDK's inside it (a read or write in a copy
     * loop, a wait) saw the interrupt and closed its own channel, closes the file channel as well,
     * and from JDK 22 on the other one too, as the running JDK's transferFailed does.
     */
    static long closingOnInterrupt(Channel fileSide, Channel other, Transfer transfer) throws IOException {
        try {
            return transfer.run();
        } catch (ClosedByInterruptException e) {
            closeForInterrupt(fileSide, other);
            throw e;
        }
    }

    /** Closes the file channel of an interrupted transfer and, on JDK 22+, the other channel. */
    static void closeForInterrupt(Channel fileSide, Channel other) {
        closeQuietly(fileSide);
        if (CLOSES_BOTH) {
            closeQuietly(other);
        }
    }

    /** On JDK 22+, closes the other channel of a transfer its file channel's interrupt ended. */
    static void closeOther(Channel other) {
        if (CLOSES_BOTH) {
            closeQuietly(other);
        }
    }

    private static void closeQuietly(Channel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // the interrupt being reported matters more
        }
    }
}
