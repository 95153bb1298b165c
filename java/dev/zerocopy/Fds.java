package dev.zerocopy;

import java.io.FileDescriptor;
import java.nio.channels.Channel;
import java.nio.channels.ClosedChannelException;
import java.util.Objects;

/**
 * The int fd behind a JDK object, for the raw methods of {@link NativeZeroCopy} and
 * {@link KernelExperiments}. Both read the JDK's private {@code fd} field through a small JNI
 * function of the shim, which module encapsulation does not restrict: no {@code --add-opens} on
 * JDK 17 or 25. The fd stays owned by the object it came from: use it only while that is open.
 */
public final class Fds {
    private Fds() {
    }

    /**
     * The int fd behind a FileDescriptor (e.g. from FileInputStream.getFD()).
     *
     * @throws IllegalArgumentException if the descriptor is not valid (closed or never opened)
     */
    public static int of(FileDescriptor descriptor) {
        NativeZeroCopy.ensureAvailable(); // the JNI accessor lives in the library: fail with its reason
        int fd = FdAccess.fdOf(Objects.requireNonNull(descriptor, "descriptor"));
        if (fd < 0) {
            throw new IllegalArgumentException("the FileDescriptor is not valid (closed or never opened)");
        }
        return fd;
    }

    /**
     * The int fd behind a JDK channel: FileChannel, SocketChannel, ServerSocketChannel,
     * DatagramChannel, or the source or sink of a Pipe; or behind a {@link ZeroCopyFileChannel}.
     *
     * @throws ClosedChannelException if the channel is closed
     * @throws IllegalArgumentException if the channel is not one of the JDK's, so has no fd to give
     */
    public static int of(Channel channel) throws ClosedChannelException {
        NativeZeroCopy.ensureAvailable();
        Objects.requireNonNull(channel, "channel");
        if (!channel.isOpen()) {
            throw new ClosedChannelException();
        }
        if (channel instanceof ZeroCopyFileChannel) {
            return ((ZeroCopyFileChannel) channel).descriptor(); // the library's own channel, as the JDK's
        }
        int fd = FdAccess.channelFd(channel);
        if (fd == FdAccess.NO_FD_FIELD) {
            throw new IllegalArgumentException(channel.getClass().getName() + " is not a JDK channel with a file descriptor");
        }
        if (fd < 0) {
            throw new ClosedChannelException();
        }
        return fd;
    }
}
