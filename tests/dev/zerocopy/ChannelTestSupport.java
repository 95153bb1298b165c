package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/** Shared by the channel tests: the three ways to call a transfer, loopback sockets, slow readers. */
final class ChannelTestSupport {
    private ChannelTestSupport() {
    }

    /** The same FileChannel code, three ways. */
    enum Impl {
        /** The JDK's FileChannel, the reference. */
        NIO,
        /** ZeroCopyFileChannel.open instead of FileChannel.open, nothing else changed. */
        WRAPPED,
        /** A JDK FileChannel handed to ZeroCopyChannels' static methods. */
        STATIC;

        FileChannel open(Path p, OpenOption... options) throws IOException {
            return this == WRAPPED ? ZeroCopyFileChannel.open(p, options) : FileChannel.open(p, options);
        }

        long transferTo(FileChannel src, long position, long count, WritableByteChannel target) throws IOException {
            return this == STATIC ? ZeroCopyChannels.transferTo(src, position, count, target) : src.transferTo(position, count, target);
        }

        long transferFrom(FileChannel dst, ReadableByteChannel src, long position, long count) throws IOException {
            return this == STATIC ? ZeroCopyChannels.transferFrom(src, dst, position, count) : dst.transferFrom(src, position, count);
        }
    }

    /** One scenario, run once per Impl; it describes its outcome as a string. */
    interface Scenario {
        String run(Impl impl) throws Exception;
    }

    /**
     * Runs the scenario with each Impl (an exception is its outcome too); every one must describe
     * the same outcome as NIO's. A scenario may leave the interrupt status set: it is cleared.
     */
    static Map<Impl, String> sameAsNio(Scenario s) throws Exception {
        Map<Impl, String> results = new EnumMap<>(Impl.class);
        for (Impl impl : Impl.values()) {
            String r;
            try {
                r = s.run(impl);
            } catch (IOException | RuntimeException e) {
                r = "threw " + e.getClass().getSimpleName();
            }
            results.put(impl, r);
            Thread.interrupted();
        }
        for (Impl impl : Impl.values()) {
            assertEquals(results.get(Impl.NIO), results.get(impl), impl + " differs from NIO on JDK " + Runtime.version().feature());
        }
        return results;
    }

    static byte[] slice(byte[] b, long from, long to) {
        return Arrays.copyOfRange(b, (int) from, (int) to);
    }

    /** Reads ch to end of stream, sleeping pauseMillis after each read of at most `step` bytes (a slow reader). */
    static byte[] readAll(ReadableByteChannel ch, int step, long pauseMillis) throws IOException, InterruptedException {
        return readAll(ch, step, pauseMillis, new AtomicLong());
    }

    /** As above, adding every read to {@code received} as it arrives. */
    static byte[] readAll(ReadableByteChannel ch, int step, long pauseMillis, AtomicLong received) throws IOException, InterruptedException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        ByteBuffer bb = ByteBuffer.allocate(step);
        while (true) {
            bb.clear();
            int n = ch.read(bb);
            if (n < 0) {
                return out.toByteArray();
            }
            out.write(bb.array(), 0, n);
            received.addAndGet(n);
            if (pauseMillis > 0) {
                Thread.sleep(pauseMillis);
            }
        }
    }

    static <T> Future<T> async(Callable<T> task) {
        ExecutorService ex = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "test-helper");
            t.setDaemon(true);
            return t;
        });
        Future<T> f = ex.submit(task);
        ex.shutdown();
        return f;
    }

    /**
     * Waits until {@code transfer} holds a socket's write lock, then half a second more, and checks
     * that it has not finished: it is blocked on a peer that reads nothing (the caller sends far
     * more than the socket buffers take).
     */
    static void awaitBlockedHolding(ReentrantLock socketLock, Future<?> transfer) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!socketLock.isLocked()) {
            assertTrue(System.nanoTime() < deadline, "the transfer did not start");
            Thread.sleep(1);
        }
        Thread.sleep(500);
        assertFalse(transfer.isDone(), "the transfer finished although the peer reads nothing");
    }
}
