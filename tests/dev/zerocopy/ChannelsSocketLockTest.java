package dev.zerocopy;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerocopy.testkit.DaemonPool;
import dev.zerocopy.testkit.Drain;
import dev.zerocopy.testkit.Hashing;
import dev.zerocopy.testkit.Loopback;
import dev.zerocopy.testkit.Received;
import dev.zerocopy.testkit.Sources;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A non-blocking JDK SocketChannel is held for a transfer by the JDK's own write (or read) lock
 * instead of a duplicate of its fd (HeldFd): these tests show that the transfer takes that lock,
 * that a close waits for it on the running JDK (what makes the channel's own fd safe to use), and
 * that a blocking-mode channel, whose close does not wait for the lock, is held by the lock and by
 * the JDK's record of the thread in blocking I/O, whose close ends a blocked transfer.
 */
class ChannelsSocketLockTest {
    @TempDir
    Path dir;

    /** Own threads: the common pool may have one, and these tasks block on purpose. */
    @RegisterExtension
    static final DaemonPool POOL = new DaemonPool();

    /** Waits until {@code task} is blocked on {@code lock}; fails if it finished without waiting for it. */
    private static void awaitQueued(ReentrantLock lock, Future<?> task, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!lock.hasQueuedThreads()) {
            assertFalse(task.isDone(), what + " did not wait for the lock");
            assertTrue(System.nanoTime() < deadline, what + " did not reach the lock");
            Thread.sleep(1);
        }
        assertFalse(task.isDone(), what);
    }

    @Test
    void aTransferToANonBlockingSocketWaitsForTheWriteLockAndDeliversAllBytes() throws Exception {
        byte[] data = Sources.randomBytes(4096, 21);
        Path src = Files.write(dir.resolve("src"), data);
        try (Loopback pair = Loopback.open(0, 0); FileChannel in = ZeroCopyFileChannel.open(src, READ)) {
            pair.client.configureBlocking(false);
            ReentrantLock lock = FdAccess.channelLock(pair.client, true);
            assertNotNull(lock, "the running JDK's SocketChannelImpl has no writeLock field");
            lock.lock();
            CompletableFuture<Long> sent;
            try {
                sent = CompletableFuture.supplyAsync(() -> transferTo(in, data.length, pair.client), POOL);
                awaitQueued(lock, sent, "the transfer");
            } finally {
                lock.unlock();
            }
            assertEquals(data.length, sent.get(30, TimeUnit.SECONDS));
            pair.client.close();
            Received got = Drain.toEnd(pair.server).get(30, TimeUnit.SECONDS);
            assertEquals(new Received(data.length, Hashing.of(data)), got);
        }
    }

    @Test
    void aTransferFromANonBlockingSocketWaitsForTheReadLock() throws Exception {
        byte[] data = Sources.randomBytes(4096, 22);
        Path dst = dir.resolve("dst");
        try (Loopback pair = Loopback.open(0, 0); FileChannel out = ZeroCopyFileChannel.open(dst, CREATE, READ, WRITE)) {
            pair.client.write(ByteBuffer.wrap(data));
            pair.client.shutdownOutput();
            pair.server.configureBlocking(false);
            ReentrantLock lock = FdAccess.channelLock(pair.server, false);
            assertNotNull(lock, "the running JDK's SocketChannelImpl has no readLock field");
            lock.lock();
            CompletableFuture<Long> received;
            try {
                received = CompletableFuture.supplyAsync(() -> transferFrom(out, pair.server, data.length), POOL);
                awaitQueued(lock, received, "the transfer");
            } finally {
                lock.unlock();
            }
            long n = received.get(30, TimeUnit.SECONDS);
            // Non-blocking: it takes what has arrived; the rest comes with more calls.
            while (n < data.length) {
                long more = out.transferFrom(pair.server, n, data.length - n);
                assertTrue(more >= 0);
                n += more;
            }
            assertEquals(Hashing.of(data), Hashing.of(dst, 0, data.length));
            assertEquals(data.length, Files.size(dst));
        }
    }

    /**
     * What the lock hold relies on: closing a non-blocking SocketChannel waits for a write in
     * progress (SocketChannelImpl.implCloseNonBlockingMode takes the write lock before it closes
     * the fd). If a JDK stops doing so, this fails and HeldFd must go back to duplicating.
     */
    @Test
    void closingANonBlockingSocketWaitsForTheWriteLockOnTheRunningJdk() throws Exception {
        try (Loopback pair = Loopback.open(0, 0)) {
            pair.client.configureBlocking(false);
            int fd = Fds.of(pair.client);
            ReentrantLock lock = FdAccess.channelLock(pair.client, true);
            lock.lock();
            CompletableFuture<Void> closed;
            try {
                closed = CompletableFuture.runAsync(() -> close(pair.client), POOL);
                awaitQueued(lock, closed, "close");
                assertFalse(pair.client.isOpen(), "the channel is marked closed before the wait");
                // The fd is still the socket while the lock is held: no other open() can get its number.
                assertTrue(Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString().startsWith("socket:"));
                // A transfer that starts now is refused, not run on a closing channel.
                Path src = Files.write(dir.resolve("src"), new byte[16]);
                try (FileChannel in = ZeroCopyFileChannel.open(src, READ)) {
                    assertThrows(java.nio.channels.ClosedChannelException.class, () -> in.transferTo(0, 16, pair.client));
                }
            } finally {
                lock.unlock();
            }
            closed.get(30, TimeUnit.SECONDS);
        }
    }

    /**
     * A blocking-mode channel is held by the same lock (its transfer takes turns with the JDK's
     * own writes) and, for each native call, by the JDK's record of the thread in blocking I/O.
     */
    @Test
    void aTransferToABlockingSocketWaitsForTheWriteLockAndDeliversAllBytes() throws Exception {
        byte[] data = Sources.randomBytes(4096, 23);
        Path src = Files.write(dir.resolve("src"), data);
        try (Loopback pair = Loopback.open(0, 0); FileChannel in = ZeroCopyFileChannel.open(src, READ)) {
            ReentrantLock lock = FdAccess.channelLock(pair.client, true);
            CompletableFuture<Long> sent;
            lock.lock();
            try {
                sent = CompletableFuture.supplyAsync(() -> transferTo(in, data.length, pair.client), POOL);
                awaitQueued(lock, sent, "the transfer");
            } finally {
                lock.unlock();
            }
            assertEquals(data.length, sent.get(30, TimeUnit.SECONDS));
            pair.client.close();
            assertEquals(new Received(data.length, Hashing.of(data)), Drain.toEnd(pair.server).get(30, TimeUnit.SECONDS));
        }
    }

    /**
     * A transfer blocked in sendfile on a blocking socket whose peer does not read is ended by the
     * socket's close from another thread, as the JDK's own blocked write is: the close signals the
     * recorded thread, whose call then meets the dead socket the JDK put on the fd. Without the
     * record (a duplicate of the fd) the call stays blocked until the peer reads. What the transfer
     * reports is exactly the prefix the peer then finds.
     */
    @Test
    void closingABlockingSocketEndsATransferBlockedOnIt() throws Exception {
        byte[] data = Sources.randomBytes(32 << 20, 24);
        Path src = Files.write(dir.resolve("src"), data);
        try (Loopback pair = Loopback.open(0, 0); FileChannel in = ZeroCopyFileChannel.open(src, READ)) {
            ReentrantLock lock = FdAccess.channelLock(pair.client, true);
            CompletableFuture<Long> sent = CompletableFuture.supplyAsync(() -> {
                try {
                    return in.transferTo(0, data.length, pair.client);
                } catch (AsynchronousCloseException e) {
                    return -1L; // closed before a byte moved: not expected with a peer's buffer to fill
                } catch (java.io.IOException e) {
                    throw new RuntimeException(e);
                }
            }, POOL);
            ChannelTestSupport.awaitBlockedHolding(lock, sent);
            pair.client.close();
            long n = sent.get(30, TimeUnit.SECONDS);
            assertTrue(n > 0 && n < data.length, "moved " + n);
            pair.server.configureBlocking(true);
            Received got = Drain.toEnd(pair.server).get(30, TimeUnit.SECONDS);
            assertEquals(new Received(n, Hashing.of(data, 0, (int) n)), got);
        }
    }

    /**
     * The receive side: a transferFrom blocked in splice on a blocking socket whose peer sent part
     * of the count and went quiet (without closing) is ended by the socket's close from another
     * thread, and the file holds exactly the bytes it reports.
     */
    @Test
    void closingABlockingSocketEndsAReceiveBlockedOnIt() throws Exception {
        byte[] data = Sources.randomBytes(1 << 20, 25);
        Path dst = dir.resolve("dst");
        try (Loopback pair = Loopback.open(0, 0);
             FileChannel out = ZeroCopyFileChannel.open(dst, CREATE, WRITE, READ)) {
            ReentrantLock lock = FdAccess.channelLock(pair.server, false);
            CompletableFuture<Long> received = CompletableFuture.supplyAsync(() -> transferFrom(out, pair.server, 32L << 20), POOL);
            pair.client.write(ByteBuffer.wrap(data));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!lock.isLocked() || Files.size(dst) < data.length) {
                assertFalse(received.isDone(), "the receive ended although the peer is still connected");
                assertTrue(System.nanoTime() < deadline, "the receive did not take the bytes sent");
                Thread.sleep(1);
            }
            Thread.sleep(200);
            assertFalse(received.isDone(), "the receive ended although the peer is still connected");
            pair.server.close();
            assertEquals(data.length, received.get(30, TimeUnit.SECONDS));
            assertEquals(Hashing.of(data), Hashing.of(Files.readAllBytes(dst)));
        }
    }

    @Test
    void aTransferToASocketClosedWhileWaitingForTheLockIsRefused() throws Exception {
        Path src = Files.write(dir.resolve("src"), new byte[4096]);
        try (Loopback pair = Loopback.open(0, 0); FileChannel in = ZeroCopyFileChannel.open(src, READ)) {
            pair.client.configureBlocking(false);
            ReentrantLock lock = FdAccess.channelLock(pair.client, true);
            lock.lock();
            CompletableFuture<Long> sent;
            CompletableFuture<Void> closed;
            try {
                sent = CompletableFuture.supplyAsync(() -> transferTo(in, 4096, pair.client), POOL);
                awaitQueued(lock, sent, "the transfer");
                closed = CompletableFuture.runAsync(() -> close(pair.client), POOL);
                while (lock.getQueueLength() < 2) { // the close marks the channel closed, then waits too
                    assertFalse(closed.isDone(), "close did not wait for the write lock");
                    Thread.sleep(1);
                }
            } finally {
                lock.unlock();
            }
            Throwable t = assertThrows(ExecutionException.class, () -> sent.get(30, TimeUnit.SECONDS)).getCause();
            assertTrue(t.getCause() instanceof AsynchronousCloseException, String.valueOf(t));
            closed.get(30, TimeUnit.SECONDS);
            pair.server.configureBlocking(false);
            assertEquals(-1, pair.server.read(ByteBuffer.allocate(1)), "no byte was sent");
        }
    }

    private static void close(java.nio.channels.Channel ch) {
        try {
            ch.close();
        } catch (java.io.IOException e) {
            throw new RuntimeException(e);
        }
    }

    private static long transferTo(FileChannel in, long count, java.nio.channels.WritableByteChannel target) {
        try {
            return in.transferTo(0, count, target);
        } catch (java.io.IOException e) {
            throw new RuntimeException(e);
        }
    }

    private static long transferFrom(FileChannel out, java.nio.channels.ReadableByteChannel src, long count) {
        try {
            return out.transferFrom(src, 0, count);
        } catch (java.io.IOException e) {
            throw new RuntimeException(e);
        }
    }
}
