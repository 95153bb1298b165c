package dev.zerocopy;

import java.io.FileDescriptor;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Method handles for the JDK-internal members a transfer uses on every call to hold a channel
 * (see {@link HeldFd}): the fd of a FileChannelImpl or SocketChannelImpl, a FileChannelImpl's
 * thread set (NativeThreadSet.add and remove, as the JDK's own transfers call them), a
 * SocketChannelImpl's write and read locks and its record of the thread in blocking I/O
 * (stateLock, state, writerThread/readerThread, tryFinishClose, as its beginWrite and endWrite
 * use them). They are made once, from the JDK's fully privileged lookup
 * (MethodHandles.Lookup.IMPL_LOOKUP, read by JNI, {@link FdAccess#trustedLookup}), which is not
 * kept; the handles are constants, so the JIT inlines them and a call costs what the JDK's own
 * does. Through JNI up-calls (CallIntMethod, a JNI MonitorEnter) the same holds made a 4 KiB
 * transferTo to /dev/null cost 1.33x FileChannel.transferTo's time, against 1.08x through these
 * handles (README, "Per call, against FileChannel.transferTo").
 *
 * <p>These are the members {@link FdAccess} already reads by name through JNI; nothing else is
 * reached. {@link #AVAILABLE} is false, and FdAccess keeps to JNI, when this JDK lacks any of
 * them, or with {@code -Ddev.zerocopy.jdkHandles=false} (the tests run the JNI path that way).
 */
final class JdkHandles {
    /** Whether the handles below exist. */
    static final boolean AVAILABLE;
    /** sun.nio.ch.FileChannelImpl and sun.nio.ch.SocketChannelImpl: the handles serve these classes only. */
    static final Class<?> FILE_CHANNEL;
    static final Class<?> SOCKET_CHANNEL;

    private static final MethodHandle THREADS;        // (FileChannelImpl) NativeThreadSet
    private static final MethodHandle ADD;            // (NativeThreadSet) int
    private static final MethodHandle REMOVE;         // (NativeThreadSet, int) void
    private static final MethodHandle STATE_LOCK;     // (SocketChannelImpl) Object
    private static final MethodHandle STATE;          // (SocketChannelImpl) int
    private static final MethodHandle SET_WRITER;     // (SocketChannelImpl, long) void
    private static final MethodHandle SET_READER;     // (SocketChannelImpl, long) void
    private static final MethodHandle FINISH_CLOSE;   // (SocketChannelImpl) void
    private static final MethodHandle CURRENT_THREAD; // () long: NativeThread.current()
    private static final MethodHandle FILE_FD;        // (FileChannelImpl) int: fd.fd
    private static final MethodHandle SOCKET_FD;      // (SocketChannelImpl) int: fd.fd
    private static final MethodHandle WRITE_LOCK;     // (SocketChannelImpl) ReentrantLock
    private static final MethodHandle READ_LOCK;      // (SocketChannelImpl) ReentrantLock
    private static final int ST_CONNECTED;
    private static final int ST_CLOSING;

    static {
        MethodHandle[] h = null;
        Class<?> file = null;
        Class<?> socket = null;
        int connected = 0;
        int closing = 0;
        // NativeLibrary first: the lookup is read by the library's JNI function, which must be loaded.
        if (!"false".equals(System.getProperty("dev.zerocopy.jdkHandles")) && NativeLibrary.cause() == null) {
            try {
                MethodHandles.Lookup l = FdAccess.trustedLookup();
                if (l != null) {
                    file = Class.forName("sun.nio.ch.FileChannelImpl");
                    socket = Class.forName("sun.nio.ch.SocketChannelImpl");
                    Class<?> set = Class.forName("sun.nio.ch.NativeThreadSet");
                    Class<?> nativeThread = Class.forName("sun.nio.ch.NativeThread");
                    h = new MethodHandle[] {
                        l.findGetter(file, "threads", set).asType(MethodType.methodType(Object.class, Object.class)),
                        l.findVirtual(set, "add", MethodType.methodType(int.class)).asType(MethodType.methodType(int.class, Object.class)),
                        l.findVirtual(set, "remove", MethodType.methodType(void.class, int.class))
                                .asType(MethodType.methodType(void.class, Object.class, int.class)),
                        l.findGetter(socket, "stateLock", Object.class).asType(MethodType.methodType(Object.class, Object.class)),
                        l.findGetter(socket, "state", int.class).asType(MethodType.methodType(int.class, Object.class)),
                        l.findSetter(socket, "writerThread", long.class).asType(MethodType.methodType(void.class, Object.class, long.class)),
                        l.findSetter(socket, "readerThread", long.class).asType(MethodType.methodType(void.class, Object.class, long.class)),
                        l.findVirtual(socket, "tryFinishClose", MethodType.methodType(void.class))
                                .asType(MethodType.methodType(void.class, Object.class)),
                        l.findStatic(nativeThread, "current", MethodType.methodType(long.class)),
                        descriptorFd(l, file),
                        descriptorFd(l, socket),
                        l.findGetter(socket, "writeLock", ReentrantLock.class).asType(MethodType.methodType(ReentrantLock.class, Object.class)),
                        l.findGetter(socket, "readLock", ReentrantLock.class).asType(MethodType.methodType(ReentrantLock.class, Object.class)),
                    };
                    connected = (int) l.findStaticGetter(socket, "ST_CONNECTED", int.class).invokeExact();
                    closing = (int) l.findStaticGetter(socket, "ST_CLOSING", int.class).invokeExact();
                }
            } catch (Throwable e) {
                h = null; // another JDK's layout: FdAccess keeps to JNI
            }
        }
        AVAILABLE = h != null;
        FILE_CHANNEL = AVAILABLE ? file : null;
        SOCKET_CHANNEL = AVAILABLE ? socket : null;
        THREADS = AVAILABLE ? h[0] : null;
        ADD = AVAILABLE ? h[1] : null;
        REMOVE = AVAILABLE ? h[2] : null;
        STATE_LOCK = AVAILABLE ? h[3] : null;
        STATE = AVAILABLE ? h[4] : null;
        SET_WRITER = AVAILABLE ? h[5] : null;
        SET_READER = AVAILABLE ? h[6] : null;
        FINISH_CLOSE = AVAILABLE ? h[7] : null;
        CURRENT_THREAD = AVAILABLE ? h[8] : null;
        FILE_FD = AVAILABLE ? h[9] : null;
        SOCKET_FD = AVAILABLE ? h[10] : null;
        WRITE_LOCK = AVAILABLE ? h[11] : null;
        READ_LOCK = AVAILABLE ? h[12] : null;
        ST_CONNECTED = connected;
        ST_CLOSING = closing;
    }

    private JdkHandles() {
    }

    /** (channel) int: the int in the channel's {@code FileDescriptor fd} field (-1 once closed). */
    private static MethodHandle descriptorFd(MethodHandles.Lookup l, Class<?> channel) throws ReflectiveOperationException {
        MethodHandle descriptor = l.findGetter(channel, "fd", FileDescriptor.class);
        MethodHandle value = l.findGetter(FileDescriptor.class, "fd", int.class);
        return MethodHandles.filterReturnValue(descriptor, value).asType(MethodType.methodType(int.class, Object.class));
    }

    /** The fd of a FileChannelImpl (fileChannel true) or a SocketChannelImpl, -1 once closed. */
    static int channelFd(Object channel, boolean fileChannel) {
        try {
            return fileChannel ? (int) FILE_FD.invokeExact(channel) : (int) SOCKET_FD.invokeExact(channel);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** A SocketChannelImpl's writeLock or readLock. */
    static ReentrantLock channelLock(Object socketChannel, boolean write) {
        try {
            return write ? (ReentrantLock) WRITE_LOCK.invokeExact(socketChannel) : (ReentrantLock) READ_LOCK.invokeExact(socketChannel);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** NativeThreadSet.add() on a FileChannelImpl's set: the index to leave with. */
    static int enterThreadSet(Object fileChannel) {
        try {
            return (int) ADD.invokeExact((Object) THREADS.invokeExact(fileChannel));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** NativeThreadSet.remove(index). */
    static void leaveThreadSet(Object fileChannel, int index) {
        try {
            REMOVE.invokeExact((Object) THREADS.invokeExact(fileChannel), index);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * As SocketChannelImpl.beginWrite (beginRead) records a platform thread in blocking I/O, under
     * stateLock: false, with nothing recorded, unless the channel is connected and open.
     */
    static boolean registerIo(Object socketChannel, boolean writes) {
        try {
            Object lock = (Object) STATE_LOCK.invokeExact(socketChannel);
            synchronized (lock) {
                if ((int) STATE.invokeExact(socketChannel) != ST_CONNECTED) {
                    return false;
                }
                long self = (long) CURRENT_THREAD.invokeExact();
                if (writes) {
                    SET_WRITER.invokeExact(socketChannel, self);
                } else {
                    SET_READER.invokeExact(socketChannel, self);
                }
                return true;
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** As endWrite (endRead): clears the record and finishes a close that began meanwhile. */
    static void unregisterIo(Object socketChannel, boolean writes) {
        try {
            Object lock = (Object) STATE_LOCK.invokeExact(socketChannel);
            synchronized (lock) {
                if (writes) {
                    SET_WRITER.invokeExact(socketChannel, 0L);
                } else {
                    SET_READER.invokeExact(socketChannel, 0L);
                }
                if ((int) STATE.invokeExact(socketChannel) == ST_CLOSING) {
                    FINISH_CLOSE.invokeExact(socketChannel);
                }
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The members above declare no checked exception; an Error (OutOfMemoryError in add) passes. */
    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException) {
            throw (RuntimeException) t;
        }
        if (t instanceof Error) {
            throw (Error) t;
        }
        throw new IllegalStateException(t);
    }
}
