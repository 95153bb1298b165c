package dev.zerocopy;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.WritableByteChannel;

/**
 * Virtual threads (JDK 21+) as callers of the channel layer. A virtual thread blocked in a native
 * call pins its carrier; with every carrier pinned, the virtual threads that would unblock them
 * (the reader of the pipe being written) never run. The JDK avoids that for its own channels by
 * making a blocking-mode socket or pipe O_NONBLOCK at the fd level the first time a virtual thread
 * uses it, and parking the virtual thread in its poller when the fd would block
 * (sun.nio.ch.SocketChannelImpl.configureSocketNonBlockingIfVirtualThread, SelChImpl.park).
 * The channel layer does the same through the JDK channel itself: an empty read or write from the
 * virtual thread lets the JDK switch the fd (no syscall after the first), the native call then
 * returns early instead of blocking, and the wait happens inside a JDK read or write of the next
 * few bytes, which parks the virtual thread instead of its carrier.
 */
final class VirtualThreads {
    /** Thread.isVirtual() where it exists (JDK 21+); this class compiles for JDK 17. */
    private static final MethodHandle IS_VIRTUAL = isVirtualHandle();
    /** Nothing to read or write: the JDK returns 0 without a syscall (IOUtil, rem == 0). */
    private static final ByteBuffer EMPTY = ByteBuffer.allocateDirect(0);

    private VirtualThreads() {
    }

    private static MethodHandle isVirtualHandle() {
        try {
            return MethodHandles.publicLookup().findVirtual(Thread.class, "isVirtual", MethodType.methodType(boolean.class));
        } catch (NoSuchMethodException | IllegalAccessException e) {
            return null; // JDK 17-20: no virtual threads
        }
    }

    static boolean isVirtual() {
        if (IS_VIRTUAL == null) {
            return false;
        }
        try {
            return (boolean) IS_VIRTUAL.invokeExact(Thread.currentThread());
        } catch (Throwable e) {
            throw new AssertionError(e);
        }
    }

    /** Whether ch is a JDK socket or pipe end in blocking mode: the JDK waits for it by parking. */
    static boolean isBlockingSelectable(Object ch) {
        return ch instanceof SelectableChannel && ((SelectableChannel) ch).isBlocking();
    }

    /** On a virtual thread, lets the JDK make target's fd non-blocking before a native call writes to it. */
    static void beforeNativeWrite(WritableByteChannel target) throws IOException {
        if (isVirtual() && isBlockingSelectable(target)) {
            target.write(EMPTY);
        }
    }

    /** On a virtual thread, lets the JDK make src's fd non-blocking before a native call reads from it. */
    static void beforeNativeRead(ReadableByteChannel src) throws IOException {
        if (isVirtual() && isBlockingSelectable(src)) {
            src.read(EMPTY);
        }
    }
}
