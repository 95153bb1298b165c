package dev.zerocopy;

import java.io.FileDescriptor;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Reads int fds out of JDK objects through JNI (native/zc_fd_access.c), which module
 * encapsulation does not restrict: no --add-opens on JDK 17 or 25.
 *
 * <p>The JNI field and method IDs of each class are looked up once and kept here, in a ClassValue
 * (the JDK's classes are never unloaded, so their IDs stay valid): a transfer that holds a socket
 * by its lock makes three of these calls, and looking the IDs up in C on each call, by the
 * object's class (GetObjectClass, IsSameObject, DeleteLocalRef), cost more than a cached lookup
 * here plus one field read there.
 *
 * <p>For the two classes a transfer meets on every call, FileChannelImpl and SocketChannelImpl,
 * each method here first takes {@link JdkHandles}' method handles to the same members when this
 * JDK has them (cheaper again: no JNI transition, and no up-call for the thread set); JNI serves
 * every other class, and these two on a JDK whose layout the handles miss.
 */
final class FdAccess {
    /** What the native side answers for an object without the expected field. */
    static final int NO_FD_FIELD = -2;

    /** What {@link #enterThreadSet} answers when the channel has no thread set. */
    static final int NO_THREAD_SET = Integer.MIN_VALUE;

    // Indices into a class's IDs; must match native/zc_fd_access.c. 0 in a slot: no such member.
    private static final int FD_FIELD = 0;
    private static final int WRITE_LOCK_FIELD = 1;
    private static final int READ_LOCK_FIELD = 2;
    private static final int THREAD_SET_FIELD = 3;
    private static final int THREAD_SET_ADD = 4;
    private static final int THREAD_SET_REMOVE = 5;
    private static final int STATE_LOCK_FIELD = 6;
    private static final int STATE_FIELD = 7;
    private static final int WRITER_THREAD_FIELD = 8;
    private static final int READER_THREAD_FIELD = 9;
    private static final int TRY_FINISH_CLOSE = 10;
    /** Not IDs: the values of SocketChannelImpl.ST_CONNECTED and ST_CLOSING. */
    private static final int ST_CONNECTED = 11;
    private static final int ST_CLOSING = 12;
    private static final int ID_COUNT = 13;

    private static final ClassValue<long[]> IDS = new ClassValue<>() {
        @Override
        protected long[] computeValue(Class<?> type) {
            long[] ids = new long[ID_COUNT];
            memberIds(type, ids);
            return ids;
        }
    };

    private FdAccess() {
    }

    /** The {@code fd} field of a FileDescriptor: -1 once closed. */
    static native int fdOf(FileDescriptor fd);

    /** The fd of a JDK channel implementation, -1 once closed, or NO_FD_FIELD. */
    static int channelFd(Object channel) {
        if (JdkHandles.AVAILABLE) {
            Class<?> type = channel.getClass();
            if (type == JdkHandles.FILE_CHANNEL || type == JdkHandles.SOCKET_CHANNEL) {
                return JdkHandles.channelFd(channel, type == JdkHandles.FILE_CHANNEL);
            }
        }
        long field = IDS.get(channel.getClass())[FD_FIELD];
        return field == 0 ? NO_FD_FIELD : channelFd0(channel, field);
    }

    /**
     * The lock a JDK SocketChannel holds around its writes ({@code write}) or reads, or null if
     * the channel's class has no such field.
     */
    static ReentrantLock channelLock(Object channel, boolean write) {
        if (JdkHandles.AVAILABLE && channel.getClass() == JdkHandles.SOCKET_CHANNEL) {
            return JdkHandles.channelLock(channel, write);
        }
        long field = IDS.get(channel.getClass())[write ? WRITE_LOCK_FIELD : READ_LOCK_FIELD];
        return field == 0 ? null : (ReentrantLock) objectField(channel, field);
    }

    /**
     * Registers the calling thread in a JDK FileChannel's set of threads in I/O, as the JDK's own
     * transfers do: the channel's close then waits for {@link #leaveThreadSet} before closing
     * the fd. Returns the index to leave with, or NO_THREAD_SET if the channel has none; throws
     * what NativeThreadSet.add throws.
     */
    static int enterThreadSet(Object fileChannel) {
        if (JdkHandles.AVAILABLE && fileChannel.getClass() == JdkHandles.FILE_CHANNEL) {
            return JdkHandles.enterThreadSet(fileChannel);
        }
        long[] ids = IDS.get(fileChannel.getClass());
        if (ids[THREAD_SET_FIELD] == 0 || ids[THREAD_SET_ADD] == 0 || ids[THREAD_SET_REMOVE] == 0) {
            return NO_THREAD_SET;
        }
        return enterThreadSet0(fileChannel, ids[THREAD_SET_FIELD], ids[THREAD_SET_ADD]);
    }

    /** Leaves the set entered by {@link #enterThreadSet} with the index it returned. */
    static void leaveThreadSet(Object fileChannel, int index) {
        if (JdkHandles.AVAILABLE && fileChannel.getClass() == JdkHandles.FILE_CHANNEL) {
            JdkHandles.leaveThreadSet(fileChannel, index);
            return;
        }
        long[] ids = IDS.get(fileChannel.getClass());
        leaveThreadSet0(fileChannel, ids[THREAD_SET_FIELD], ids[THREAD_SET_REMOVE], index);
    }

    /**
     * Whether the channel's class keeps the JDK's record of the threads in its blocking I/O (a
     * SocketChannelImpl on JDK 17 and 25), which {@link #registerIo} writes.
     */
    static boolean canRegisterIo(Object channel) {
        return IDS.get(channel.getClass())[STATE_LOCK_FIELD] != 0;
    }

    /**
     * Records the calling platform thread as the channel's writer (or reader) in blocking I/O, as
     * the JDK's own write (read) does, so that a close from another thread signals it and keeps
     * the fd number taken (by a dead socket) until {@link #unregisterIo}. The caller holds the
     * channel's write (read) lock, which keeps any JDK operation from using the record meanwhile.
     * False, with nothing recorded, if the channel is no longer connected and open.
     */
    static boolean registerIo(Object channel, boolean writes) {
        if (JdkHandles.AVAILABLE && channel.getClass() == JdkHandles.SOCKET_CHANNEL) {
            return JdkHandles.registerIo(channel, writes);
        }
        long[] ids = IDS.get(channel.getClass());
        return registerIo0(channel, ids[STATE_LOCK_FIELD], ids[STATE_FIELD],
                ids[writes ? WRITER_THREAD_FIELD : READER_THREAD_FIELD], (int) ids[ST_CONNECTED]) != 0;
    }

    /** Ends {@link #registerIo}; finishes a close that began meanwhile (the fd is closed then). */
    static void unregisterIo(Object channel, boolean writes) {
        if (JdkHandles.AVAILABLE && channel.getClass() == JdkHandles.SOCKET_CHANNEL) {
            JdkHandles.unregisterIo(channel, writes);
            return;
        }
        long[] ids = IDS.get(channel.getClass());
        unregisterIo0(channel, ids[STATE_LOCK_FIELD], ids[STATE_FIELD],
                ids[writes ? WRITER_THREAD_FIELD : READER_THREAD_FIELD], (int) ids[ST_CLOSING], ids[TRY_FINISH_CLOSE]);
    }

    /** MethodHandles.Lookup.IMPL_LOOKUP, or null (native/zc_fd_access.c). */
    static native java.lang.invoke.MethodHandles.Lookup trustedLookup();

    /** Fills ids[ID_COUNT] with type's field and method IDs, 0 for each it lacks. */
    private static native void memberIds(Class<?> type, long[] ids);

    private static native int channelFd0(Object channel, long fdField);

    private static native Object objectField(Object obj, long field);

    private static native int enterThreadSet0(Object fileChannel, long setField, long add);

    private static native void leaveThreadSet0(Object fileChannel, long setField, long remove, int index);

    private static native int registerIo0(Object channel, long lockField, long stateField, long threadField, int connected);

    private static native void unregisterIo0(Object channel, long lockField, long stateField, long threadField, int closing,
                                             long tryFinishClose);
}
