package dev.zerocopy;

import java.io.FileDescriptor;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Reads int fds out of JDK objects through JNI (native/zc_fd_access.c), which module
 * encapsulation does not restrict: no --add-opens on JDK 17 or 25.
 */
final class FdAccess {
    /** What the native side answers for an object without the expected field. */
    static final int NO_FD_FIELD = -2;

    private FdAccess() {
    }

    /** The {@code fd} field of a FileDescriptor: -1 once closed. */
    static native int fdOf(FileDescriptor fd);

    /** The fd of a JDK channel implementation, -1 once closed, or NO_FD_FIELD. */
    static native int channelFd(Object channel);

    /**
     * The lock a JDK SocketChannel holds around its writes ({@code write}) or reads, or null if
     * the channel's class has no such field.
     */
    static native ReentrantLock channelLock(Object channel, boolean write);

    /** What {@link #enterThreadSet} answers when the channel has no thread set. */
    static final int NO_THREAD_SET = Integer.MIN_VALUE;

    /**
     * Registers the calling thread in a JDK FileChannel's set of threads in I/O, as the JDK's own
     * transfers do: the channel's close then waits for {@link #leaveThreadSet} before closing
     * the fd. Returns the index to leave with, or NO_THREAD_SET.
     */
    static native int enterThreadSet(Object fileChannel);

    static native void leaveThreadSet(Object fileChannel, int index);
}
