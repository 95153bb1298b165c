package dev.zerocopy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The channel layer's copies through user space: the JDK's transferToArbitraryChannel,
 * transferFromFileChannel and transferFromArbitraryChannel for channels without an fd, and the
 * few bytes a blocking-mode channel is waited on with when its fd would block (see
 * {@link VirtualThreads}).
 *
 * <p>Buffers: a small shared pool of direct buffers, never one per thread. With virtual threads a
 * per-thread buffer is one per virtual thread: 2,000 of them at 64 KiB exceed a 64 MiB
 * MaxDirectMemorySize, where FileChannel.transferTo (8 KiB heap buffers per call) succeeds. When
 * every pooled buffer is in use (callers blocked in a slow channel's write), a call copies through
 * a heap buffer of the JDK's size instead, as FileChannel does.
 */
final class CopyLoops {
    /** Size of a pooled buffer. */
    static final int BUFFER_SIZE = 64 * 1024;
    /** The JDK's TRANSFER_SIZE: the heap buffer when the pool is empty, and the bytes waited on. */
    static final int SMALL = 8192;
    private static final AtomicReferenceArray<ByteBuffer> POOL =
            new AtomicReferenceArray<>(Math.max(4, 2 * Runtime.getRuntime().availableProcessors()));
    private static final AtomicInteger CREATED = new AtomicInteger();

    private CopyLoops() {
    }

    /** A cleared buffer: a pooled direct one, or a fresh heap one when all are taken. */
    static ByteBuffer take() {
        for (int i = 0; i < POOL.length(); i++) {
            ByteBuffer b = POOL.get(i);
            if (b != null && POOL.compareAndSet(i, b, null)) {
                return b.clear();
            }
        }
        // The pool fills lazily: at most POOL.length() direct buffers are ever made.
        if (CREATED.get() < POOL.length() && CREATED.incrementAndGet() <= POOL.length()) {
            return ByteBuffer.allocateDirect(BUFFER_SIZE);
        }
        return ByteBuffer.allocate(SMALL);
    }

    /** Returns a buffer from {@link #take}; heap buffers are dropped. */
    static void give(ByteBuffer b) {
        if (!b.isDirect()) {
            return;
        }
        for (int i = 0; i < POOL.length(); i++) {
            if (POOL.get(i) == null && POOL.compareAndSet(i, null, b)) {
                return;
            }
        }
    }

    /** The JDK's transferToArbitraryChannel: src from position to a channel without an fd. */
    static long copyTo(FileChannel src, long position, long count, WritableByteChannel target)
            throws IOException {
        ByteBuffer bb = take();
        long done = 0;
        try {
            while (done < count) {
                if (Interrupts.stop(src, target, done)) {
                    break;
                }
                bb.clear().limit((int) Math.min(count - done, bb.capacity()));
                int nr = src.read(bb, position + done);
                if (nr <= 0) {
                    break;
                }
                bb.flip();
                int nw = target.write(bb);
                done += nw;
                if (nw != nr) {
                    break; // a non-blocking target took less: the rest of the buffer is not counted
                }
            }
        } finally {
            give(bb);
        }
        return done;
    }

    /**
     * The JDK's transferFromFileChannel as a positional read/write loop from src's position (moved
     * past what was written), starting {@code done} bytes in.
     */
    static long copyFromFile(FileChannel src, long base, FileChannel dst, long position, long count, long done)
            throws IOException {
        ByteBuffer bb = take();
        try {
            while (done < count) {
                if (Interrupts.stop(dst, src, done)) {
                    break;
                }
                bb.clear().limit((int) Math.min(count - done, bb.capacity()));
                int nr = src.read(bb, base + done);
                if (nr <= 0) {
                    break;
                }
                done += writeAt(bb.flip(), dst, position + done);
            }
        } finally {
            give(bb);
            setPosition(src, base + done);
        }
        return done;
    }

    /** The JDK's transferFromArbitraryChannel: src at its position into dst at position. */
    static long copyFrom(ReadableByteChannel src, FileChannel dst, long position, long count)
            throws IOException {
        ByteBuffer bb = take();
        long done = 0;
        try {
            while (done < count) {
                if (Interrupts.stop(dst, src, done)) {
                    break;
                }
                bb.clear().limit((int) Math.min(count - done, bb.capacity()));
                int nr = src.read(bb);
                if (nr <= 0) {
                    break;
                }
                done += writeAt(bb.flip(), dst, position + done);
            }
        } finally {
            give(bb);
        }
        return done;
    }

    /**
     * Writes the next bytes of src (at most {@link #SMALL}) to a blocking-mode target whose fd
     * would block: the JDK's write parks a virtual thread (or polls) until they are taken.
     *
     * @return the bytes written; 0 at end of file
     */
    static long waitingWrite(FileChannel src, long position, long count, WritableByteChannel target) throws IOException {
        ByteBuffer bb = take();
        try {
            bb.clear().limit((int) Math.min(count, SMALL));
            int nr = src.read(bb, position);
            if (nr <= 0) {
                return 0;
            }
            bb.flip();
            long done = 0;
            while (bb.hasRemaining()) {
                done += target.write(bb); // blocking mode: returns when all of it is written
            }
            return done;
        } finally {
            give(bb);
        }
    }

    /**
     * Reads the next bytes of a blocking-mode src whose fd would block (the JDK's read parks a
     * virtual thread until some arrive) and writes them to dst at position.
     *
     * @return the bytes written; -1 at end of stream
     */
    static long waitingRead(ReadableByteChannel src, FileChannel dst, long position, long count) throws IOException {
        ByteBuffer bb = take();
        try {
            bb.clear().limit((int) Math.min(count, SMALL));
            int nr = src.read(bb);
            if (nr < 0) {
                return -1;
            }
            return writeAt(bb.flip(), dst, position);
        } finally {
            give(bb);
        }
    }

    /** Writes all of bb to dst at position (a positional write may take less than asked). */
    private static long writeAt(ByteBuffer bb, FileChannel dst, long position) throws IOException {
        long done = 0;
        while (bb.hasRemaining()) {
            done += dst.write(bb, position + done);
        }
        return done;
    }

    static void setPosition(FileChannel ch, long pos) {
        try {
            if (ch.isOpen()) {
                ch.position(pos);
            }
        } catch (IOException ignored) {
            // the failure being reported matters more than the position
        }
    }
}
