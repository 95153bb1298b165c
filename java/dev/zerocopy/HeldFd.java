package dev.zerocopy;

import java.io.IOException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.Channel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.Pipe;
import java.nio.channels.SocketChannel;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A channel's descriptor held for one transfer, so that no native call uses a number the channel
 * could close under it (a closed number is handed out again by the next open(2)). One value
 * represents a hold everywhere: {@code desc << 32 | fd}, or {@link #NONE} for a channel whose fd
 * must not or cannot be used (a user-written channel, a FileChannel that is not the JDK's).
 *
 * <p>A {@link ZeroCopyFileChannel} is held by its in-flight count: it owns a private duplicate
 * closed only after the last transfer returns, so holding it costs no syscall. A JDK
 * SocketChannel in non-blocking mode (a selector's channel) is held by the lock the JDK itself
 * takes around its writes (or reads): closing such a channel takes that lock before it closes the
 * fd (SocketChannelImpl.implCloseNonBlockingMode, JDK 17 and 25), and changing its blocking mode
 * takes it too, so holding it costs no syscall either and the channel's own fd is used. One in
 * blocking mode, on a platform thread, is held by the same lock and, around each native call, the
 * JDK's record of the thread in blocking I/O: its close then puts a dead socket on the number
 * (preClose), signals the thread and leaves the final close to the end of the call. A JDK
 * FileChannel whose transfer's other end is a non-blocking channel is held as the JDK's own
 * transfers hold it: around each native call the thread enters the channel's thread set, whose
 * close signals it and waits for it to leave before closing the fd (FileChannelImpl.beforeTransfer,
 * NativeThreadSet). A transferTo's native calls end when that signal interrupts them
 * (zc_chan_transfer), so there it holds a JDK FileChannel on either side whatever the other end;
 * a transferFrom's retry EINTR (a receive must not drop the bytes it took from a socket), so there
 * only with a non-blocking other end, on which no call blocks. Any other JDK channel is duplicated with
 * F_DUPFD_CLOEXEC for the call and checked to be still open after the dup (the JDK marks a
 * channel closed before it closes its fd, so an open channel after the dup means the duplicate
 * names the channel's file or socket); the duplicate is closed on release. Closing a duplicate
 * drops the process's POSIX record locks on the file (fcntl(2)): the thread-set hold does not.
 */
final class HeldFd {
    /** No usable fd: the transfer takes a Java loop. */
    static final long NONE = -1L;

    // Description bits; must match native/zc_channels.c.
    static final int READABLE = 0x1;
    static final int WRITABLE = 0x2;
    static final int APPEND = 0x4;
    static final int NONBLOCK = 0x8;
    /** Java only: access mode and O_APPEND are known from the open options, the kind is not yet. */
    static final int PARTIAL = 0x20;
    /** Java only: held by the channel's own I/O lock, not by a duplicate (nothing to close). */
    static final int LOCKED = 0x40;
    /** Java only: held by entering the channel's thread set around each native call ({@link #beginCall}). */
    static final int THREAD_SET = 0x80;
    /**
     * Java only, with LOCKED: a blocking-mode socket, whose close does not wait for the lock; the
     * thread is recorded as its reader or writer around each native call ({@link #beginCall}).
     */
    static final int RECORDED = 1 << 16;
    /** Java only, with RECORDED: as the channel's writer (else its reader). */
    static final int WRITER = 1 << 17;
    private static final int KIND_MASK = 0xff;
    /** Whether a JDK FileChannel's thread set was entered once: this JDK has the set. */
    private static volatile boolean threadSetSeen;
    /** {@link #beginCall}: nothing was entered. */
    static final int NOT_ENTERED = Integer.MIN_VALUE;
    /** {@link #beginCall}: the channel was closed since the transfer began; nothing was entered. */
    static final int CLOSED = Integer.MIN_VALUE + 1;
    /** {@link #beginCall}: the thread was recorded as the socket's writer, or reader. */
    private static final int RECORDED_WRITER = Integer.MIN_VALUE + 2;
    private static final int RECORDED_READER = Integer.MIN_VALUE + 3;
    static final int KIND_SHIFT = 8;
    private static final int KIND_FILE = 1;
    private static final int KIND_FIFO = 2;
    private static final int KIND_SOCKET = 3;
    /** What a SocketChannel or a Pipe end is, without asking the kernel. */
    private static final int SOCKET_DESC = READABLE | WRITABLE | (KIND_SOCKET << KIND_SHIFT);
    private static final int PIPE_DESC = READABLE | WRITABLE | (KIND_FIFO << KIND_SHIFT);

    /**
     * What the kernel said of a JDK FileChannel's fd (access mode, O_APPEND, kind), asked once per
     * channel: none of it changes while the channel is open, and asking costs an fcntl and an
     * fstat per call. Weak keys: a collected channel leaves the map.
     */
    private static final Map<Channel, Integer> DESCRIBED = Collections.synchronizedMap(new WeakHashMap<>());

    private HeldFd() {
    }

    static long of(int fd, int desc) {
        return (long) desc << 32 | (fd & 0xffffffffL);
    }

    static int fd(long held) {
        return (int) held;
    }

    static int desc(long held) {
        return (int) (held >>> 32);
    }

    static boolean hasFd(long held) {
        return (int) held >= 0;
    }

    static boolean isReadable(long held) {
        return (desc(held) & READABLE) != 0;
    }

    static boolean isWritable(long held) {
        return (desc(held) & WRITABLE) != 0;
    }

    static boolean isAppend(long held) {
        return (desc(held) & APPEND) != 0;
    }

    /** The kind of the held fd; NO_FD for {@link #NONE}. */
    static ChannelKind kind(long held) {
        if (!hasFd(held)) {
            return ChannelKind.NO_FD;
        }
        int desc = desc(held);
        switch ((desc >>> KIND_SHIFT) & KIND_MASK) {
            case KIND_FILE:
                return (desc & APPEND) != 0 ? ChannelKind.APPEND_FILE : ChannelKind.FILE;
            case KIND_FIFO:
                return ChannelKind.PIPE;
            case KIND_SOCKET:
                return ChannelKind.SOCKET;
            default:
                return ChannelKind.OTHER;
        }
    }

    /**
     * Holds ch's descriptor for one call. With needKind the description includes the kind (a
     * ZeroCopyFileChannel asks the kernel once if its open options did not tell); {@code writes}
     * says whether the transfer writes to ch or reads from it; {@code signalEndsCalls} that the
     * transfer's native calls return when a signal interrupts them (zc_chan_transfer), so that a
     * JDK FileChannel may be held by its thread set whatever the other end: its close signals the
     * thread, and the call ends even if the other end would block.
     *
     * @throws AsynchronousCloseException if ch was closed while it was being held
     * @throws ErrnoException if the duplicate could not be made (EMFILE), naming fcntl
     */
    static long hold(Channel ch, boolean needKind, boolean writes, Channel other, boolean signalEndsCalls) throws IOException {
        if (ch instanceof ZeroCopyFileChannel) {
            return ((ZeroCopyFileChannel) ch).acquire(needKind);
        }
        // Only the JDK's own classes: a user channel with a field named fd must get its write() called.
        if (!isJdkChannel(ch)) {
            return NONE;
        }
        if (ch instanceof SocketChannel) {
            long held = holdByLock((SocketChannel) ch, writes);
            if (held != NONE) {
                return held;
            }
        } else if (ch instanceof FileChannel
                && (signalEndsCalls || other instanceof SelectableChannel && !((SelectableChannel) other).isBlocking())) {
            long held = holdByThreadSet((FileChannel) ch);
            if (held != NONE) {
                return held;
            }
        }
        int fd = FdAccess.channelFd(ch);
        if (fd == FdAccess.NO_FD_FIELD) {
            return NONE;
        }
        if (fd < 0) {
            throw new AsynchronousCloseException(); // open when the transfer began
        }
        boolean known = ch instanceof SocketChannel || ch instanceof Pipe.SinkChannel || ch instanceof Pipe.SourceChannel;
        Integer described = known ? null : DESCRIBED.get(ch);
        boolean describe = !known && described == null;
        long r = NativeLibrary.shim().zc_chan_dup(fd, describe ? 1 : 0);
        if (r < 0) {
            if (!ch.isOpen()) {
                throw new AsynchronousCloseException();
            }
            throw Errors.ofSyscall(r, "fcntl", fd);
        }
        int dup = (int) r;
        if (!ch.isOpen()) {
            NativeLibrary.shim().zc_chan_close(dup);
            throw new AsynchronousCloseException();
        }
        int desc;
        if (known) {
            desc = ch instanceof SocketChannel ? SOCKET_DESC : PIPE_DESC;
        } else if (describe) {
            desc = (int) (r >>> 32);
            DESCRIBED.put(ch, desc);
        } else {
            desc = described;
        }
        return of(dup, desc);
    }

    /**
     * Holds a JDK SocketChannel by its write (or read) lock, the one the JDK's own write (read)
     * holds throughout, so a transfer and the JDK's I/O on the socket take turns. Non-blocking
     * mode: closing the channel takes that lock before it closes the fd
     * (SocketChannelImpl.implCloseNonBlockingMode, JDK 17 and 25), so the lock alone keeps the
     * number ours. Blocking mode: the close does not wait for the lock; it closes the fd at once
     * unless a thread is recorded in blocking I/O, and then turns the number into a dead socket
     * (preClose), signals the thread and leaves the final close to it (implCloseBlockingMode). So
     * the calling thread is also recorded as the writer (reader) around each native call
     * ({@link #beginCall}), as the JDK's beginWrite does. NONE, with the lock not held, on a
     * virtual thread in blocking mode (the JDK records a virtual thread otherwise and unparks it;
     * the duplicate serves it) or when the JDK has no such lock or record.
     *
     * <p>The blocking mode is read again under the lock, which configureBlocking also takes. On
     * JDK 17 one non-blocking close path does not wait for the lock: a selector that deregisters
     * a key cancelled before a concurrent close (SocketChannelImpl.kill); the JDK's own
     * non-blocking write has the same window there, JDK 25's kill takes the locks.
     */
    private static long holdByLock(SocketChannel ch, boolean writes) throws IOException {
        boolean blocking = ch.isBlocking();
        if (blocking && (VirtualThreads.isVirtual() || !FdAccess.canRegisterIo(ch))) {
            return NONE;
        }
        ReentrantLock lock = FdAccess.channelLock(ch, writes);
        if (lock == null) {
            return NONE;
        }
        lock.lock();
        boolean held = false;
        try {
            if (!ch.isOpen()) {
                throw new AsynchronousCloseException();
            }
            if (ch.isBlocking() != blocking) {
                return NONE; // changed before the lock was taken
            }
            int fd = FdAccess.channelFd(ch);
            if (fd < 0) {
                return NONE; // no usable fd field: the dup path decides
            }
            held = true;
            return of(fd, SOCKET_DESC | LOCKED | (blocking ? RECORDED | (writes ? WRITER : 0) : 0));
        } finally {
            if (!held) {
                lock.unlock();
            }
        }
    }

    /**
     * Holds a JDK FileChannel through its thread set: every native call on its fd enters the set
     * and checks that the channel is still open ({@link #beginCall}), which is what makes the number
     * read here trustworthy then. Only around native calls: a JDK operation on the channel by a
     * thread in its set that sees an interrupt closes the channel from that thread, and the close
     * would then wait for the thread itself (NativeThreadSet.signalAndWait). The first hold of a
     * channel describes its fd inside the set (a syscall on the number). NONE if the JDK has no
     * such set.
     */
    private static long holdByThreadSet(FileChannel ch) throws IOException {
        Integer described = DESCRIBED.get(ch);
        if (described != null && threadSetSeen) {
            int fd = FdAccess.channelFd(ch);
            if (fd < 0) {
                throw new AsynchronousCloseException(); // open when the transfer began
            }
            return of(fd, described | THREAD_SET);
        }
        int index = FdAccess.enterThreadSet(ch);
        if (index == FdAccess.NO_THREAD_SET) {
            return NONE;
        }
        threadSetSeen = true;
        try {
            if (!ch.isOpen()) {
                throw new AsynchronousCloseException();
            }
            int fd = FdAccess.channelFd(ch);
            if (fd < 0) {
                return NONE;
            }
            long r = NativeLibrary.shim().zc_chan_describe(fd);
            if (r < 0) {
                throw Errors.callFailed(r, "describe fd " + fd);
            }
            DESCRIBED.put(ch, (int) r);
            return of(fd, (int) r | THREAD_SET);
        } finally {
            FdAccess.leaveThreadSet(ch, index);
        }
    }

    /**
     * Before one native call on a hold. A thread-set hold enters the channel's set and checks that
     * the channel is still open (FileChannelImpl.beforeTransfer's order), so its close waits for
     * {@link #endCall}; a blocking socket's hold records the thread as its writer or reader, which
     * also fails once a close has begun. Returns what to pass to endCall: NOT_ENTERED for the other
     * holds, or CLOSED (nothing entered) if the channel was closed since the transfer began and
     * {@code done} bytes, more than 0, are to be returned (as {@link Interrupts#stop} does between
     * chunks).
     *
     * @throws AsynchronousCloseException if the channel was closed and nothing moved yet
     */
    static int beginCall(Channel ch, long held, long done) throws AsynchronousCloseException {
        if (!hasFd(held)) {
            return NOT_ENTERED;
        }
        int desc = desc(held);
        int entry;
        if ((desc & THREAD_SET) != 0) {
            entry = FdAccess.enterThreadSet(ch);
            if (entry == FdAccess.NO_THREAD_SET) {
                // Not reached while the JDK keeps its set in a final field; never make the call unheld.
                throw new IllegalStateException("the thread set of " + ch + " is gone: its fd cannot be held");
            }
            if (ch.isOpen()) {
                return entry;
            }
            FdAccess.leaveThreadSet(ch, entry);
        } else if ((desc & RECORDED) != 0) {
            boolean writes = (desc & WRITER) != 0;
            if (FdAccess.registerIo(ch, writes)) {
                return writes ? RECORDED_WRITER : RECORDED_READER;
            }
        } else {
            return NOT_ENTERED;
        }
        if (done == 0) {
            throw new AsynchronousCloseException();
        }
        return CLOSED;
    }

    /** After the native call that {@link #beginCall} returned {@code entry} for. */
    static void endCall(Channel ch, int entry) {
        if (entry == RECORDED_WRITER || entry == RECORDED_READER) {
            FdAccess.unregisterIo(ch, entry == RECORDED_WRITER);
        } else if (entry != NOT_ENTERED && entry != CLOSED) {
            FdAccess.leaveThreadSet(ch, entry);
        }
    }

    /** Ends a hold made by {@link #hold}; {@code writes} as given to it. */
    static void release(Channel ch, long held, boolean writes) {
        if (ch instanceof ZeroCopyFileChannel) {
            ((ZeroCopyFileChannel) ch).release();
        } else if (hasFd(held) && (desc(held) & LOCKED) != 0) {
            FdAccess.channelLock(ch, writes).unlock();
        } else if (hasFd(held) && (desc(held) & THREAD_SET) != 0) {
            return; // entered around each native call only
        } else if (hasFd(held)) {
            NativeLibrary.shim().zc_chan_close(fd(held));
        }
    }

    /** Whether ch is one of the JDK's own channel classes (cached per class). */
    static boolean isJdkChannel(Object ch) {
        return JDK_CLASS.get(ch.getClass());
    }

    private static final ClassValue<Boolean> JDK_CLASS = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            return type.getName().startsWith("sun.nio.ch.");
        }
    };
}
