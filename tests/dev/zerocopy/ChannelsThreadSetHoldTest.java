package dev.zerocopy;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.zerocopy.testkit.DaemonPool;
import dev.zerocopy.testkit.Drain;
import dev.zerocopy.testkit.Hashing;
import dev.zerocopy.testkit.Loopback;
import dev.zerocopy.testkit.Received;
import dev.zerocopy.testkit.Sources;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A JDK FileChannel is held through the channel's own set of threads in I/O (as the JDK's
 * transfers hold it), not through a duplicate fd (HeldFd): in a transferTo whatever the other end,
 * in a transferFrom when the other end is non-blocking. What
 * shows it: a POSIX lock on the file survives the transfer (closing a duplicate would drop it,
 * fcntl(2)), and the JDK's close waits for a thread in the set on the running JDK.
 */
class ChannelsThreadSetHoldTest {
    @TempDir
    Path dir;

    /** Own threads: the common pool may have one, and these tasks block on purpose. */
    @RegisterExtension
    static final DaemonPool POOL = new DaemonPool();

    @Test
    void aFileLockSurvivesATransferToANonBlockingSocket() throws Exception {
        lockSurvivesTransferTo("src");
    }

    private void lockSurvivesTransferTo(String name) throws Exception {
        byte[] data = Sources.randomBytes(64 * 1024, 31);
        Path src = Files.write(dir.resolve(name), data);
        try (FileChannel in = FileChannel.open(src, READ, WRITE); Loopback pair = Loopback.open(0, 0)) {
            FileLock lock = in.lock();
            assertTrue(posixLockHeld(src), "the test's own lock is not in /proc/locks");
            pair.client.configureBlocking(false);
            CompletableFuture<Received> got = Drain.toEnd(pair.server);
            long sent = 0;
            while (sent < data.length) { // non-blocking: a call takes what the socket has room for
                sent += ZeroCopyChannels.transferTo(in, sent, data.length - sent, pair.client);
            }
            assertTrue(posixLockHeld(src), "the transfer dropped the process's lock on the source");
            assertTrue(lock.isValid());
            pair.client.close();
            assertEquals(new Received(data.length, Hashing.of(data)), got.get(30, TimeUnit.SECONDS));
        }
    }

    /**
     * A transferTo holds a JDK FileChannel through its thread set whatever the other end (its calls
     * end on the close's signal): the lock survives with a blocking socket and with a file target,
     * whose own lock survives too.
     */
    @Test
    void aFileLockSurvivesATransferToABlockingSocketOrAFile() throws Exception {
        byte[] data = Sources.randomBytes(64 * 1024, 33);
        Path src = Files.write(dir.resolve("src"), data);
        Path dst = dir.resolve("dst");
        try (FileChannel in = FileChannel.open(src, READ, WRITE); FileChannel out = FileChannel.open(dst, CREATE, WRITE);
             Loopback pair = Loopback.open(0, 0)) {
            FileLock lock = in.lock();
            FileLock outLock = out.lock();
            CompletableFuture<Received> got = Drain.toEnd(pair.server);
            assertEquals(data.length, ZeroCopyChannels.transferTo(in, 0, data.length, pair.client));
            assertEquals(data.length, ZeroCopyChannels.transferTo(in, 0, data.length, out));
            assertTrue(posixLockHeld(src), "the transfer dropped the process's lock on the source");
            assertTrue(posixLockHeld(dst), "the transfer dropped the process's lock on the target");
            assertTrue(lock.isValid() && outLock.isValid());
            pair.client.close();
            assertEquals(new Received(data.length, Hashing.of(data)), got.get(30, TimeUnit.SECONDS));
            assertEquals(Hashing.of(data), Hashing.of(dst, 0, data.length));
        }
    }

    /**
     * Closing the JDK FileChannel ends a transfer blocked on the other end (a blocking socket whose
     * peer does not read), as the JDK's own transfer ends: the close signals the thread in the
     * channel's set, the native call returns EINTR instead of retrying, and the transfer reports
     * what it moved, the peer getting exactly that prefix. A retried call would keep the close
     * waiting until the peer reads.
     */
    @Test
    void closingTheFileChannelEndsATransferBlockedOnTheOtherEnd() throws Exception {
        byte[] data = Sources.randomBytes(32 << 20, 34);
        Path src = Files.write(dir.resolve("src"), data);
        try (FileChannel in = FileChannel.open(src, READ); Loopback pair = Loopback.open(0, 0)) {
            ReentrantLock socketLock = FdAccess.channelLock(pair.client, true);
            CompletableFuture<Long> sent = CompletableFuture.supplyAsync(() -> {
                try {
                    return ZeroCopyChannels.transferTo(in, 0, data.length, pair.client);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }, POOL);
            ChannelTestSupport.awaitBlockedHolding(socketLock, sent);
            CompletableFuture.runAsync(() -> {
                try {
                    in.close();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }, POOL).get(30, TimeUnit.SECONDS);
            long n = sent.get(30, TimeUnit.SECONDS);
            assertTrue(n > 0 && n < data.length, "moved " + n);
            assertTrue(pair.client.isOpen(), "closing the file channel leaves the socket open");
            pair.client.close();
            assertEquals(new Received(n, Hashing.of(data, 0, (int) n)), Drain.toEnd(pair.server).get(30, TimeUnit.SECONDS));
        }
    }

    @Test
    void aFileLockSurvivesATransferFromANonBlockingSocket() throws Exception {
        byte[] data = Sources.randomBytes(64 * 1024, 32);
        Path dst = dir.resolve("dst");
        try (FileChannel out = FileChannel.open(dst, CREATE, READ, WRITE); Loopback pair = Loopback.open(0, 0)) {
            FileLock lock = out.lock();
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    pair.client.write(ByteBuffer.wrap(data));
                    pair.client.shutdownOutput();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }, POOL);
            pair.server.configureBlocking(false);
            long got = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (got < data.length) {
                assertTrue(System.nanoTime() < deadline, "only " + got + " bytes arrived");
                got += ZeroCopyChannels.transferFrom(pair.server, out, got, data.length - got);
            }
            writer.get(30, TimeUnit.SECONDS);
            assertTrue(posixLockHeld(dst), "the transfer dropped the process's lock on the target");
            assertTrue(lock.isValid());
            assertEquals(Hashing.of(data), Hashing.of(dst, 0, data.length));
        }
    }

    /**
     * What the hold relies on: a JDK FileChannel's close waits for a thread in its set. If a JDK
     * stops doing so, this fails and HeldFd must go back to duplicating.
     */
    @Test
    void closingAJdkFileChannelWaitsForAThreadInItsSetOnTheRunningJdk() throws Exception {
        closeWaitsForAThreadInTheSet("f");
    }

    /**
     * On a virtual thread (JDK 21+): the JDK's thread set counts a virtual thread apart from the
     * platform ones (JDK 25: NativeThreadSet.otherThreads, not signalled), and its close waits for
     * it all the same; a transfer from a JDK FileChannel to a non-blocking socket keeps its lock.
     */
    @Test
    void onAVirtualThreadTheHoldWorksAndTheCloseWaits() throws Exception {
        assumeTrue(Runtime.version().feature() >= 21, "virtual threads need JDK 21+");
        CompletableFuture<Void> done = new CompletableFuture<>();
        Object builder = Thread.class.getMethod("ofVirtual").invoke(null); // compiles for JDK 17
        Thread vt = (Thread) Class.forName("java.lang.Thread$Builder").getMethod("start", Runnable.class)
                .invoke(builder, (Runnable) () -> {
                    try {
                        lockSurvivesTransferTo("vsrc");
                        closeWaitsForAThreadInTheSet("vf");
                        done.complete(null);
                    } catch (Throwable t) {
                        done.completeExceptionally(t);
                    }
                });
        try {
            done.get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof AssertionError) {
                throw (AssertionError) e.getCause();
            }
            throw e;
        }
        vt.join();
    }

    private void closeWaitsForAThreadInTheSet(String name) throws Exception {
        Path file = Files.write(dir.resolve(name), new byte[16]);
        FileChannel ch = FileChannel.open(file, READ);
        int fd = Fds.of(ch);
        int index = FdAccess.enterThreadSet(ch);
        assertNotEquals(FdAccess.NO_THREAD_SET, index, "the running JDK's FileChannelImpl has no thread set");
        CompletableFuture<Void> closed;
        try {
            closed = CompletableFuture.runAsync(() -> {
                try {
                    ch.close();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }, POOL);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (ch.isOpen()) {
                assertTrue(System.nanoTime() < deadline);
                Thread.sleep(1);
            }
            Thread.sleep(200); // the close's signalAndWait runs now; nothing may close the fd meanwhile
            assertFalse(closed.isDone(), "close did not wait for the thread in the set");
            assertEquals(file.toString(), Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString());
            // A transfer that starts now is refused.
            try (Loopback pair = Loopback.open(0, 0)) {
                pair.client.configureBlocking(false);
                assertThrows(ClosedChannelException.class, () -> ZeroCopyChannels.transferTo(ch, 0, 16, pair.client));
            }
        } finally {
            FdAccess.leaveThreadSet(ch, index);
        }
        closed.get(30, TimeUnit.SECONDS);
    }

    /**
     * A thread interrupted before a transfer closes the file channel and gets
     * ClosedByInterruptException, as with the JDK's own: the close must not wait for the thread
     * itself in the channel's thread set (the set is entered around native calls only).
     */
    @Test
    void anInterruptedTransferClosesTheFileChannelWithoutWaitingForItself() {
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            Path src = Files.write(dir.resolve("src"), new byte[4096]);
            try (FileChannel in = FileChannel.open(src, READ); Loopback pair = Loopback.open(0, 0)) {
                pair.client.configureBlocking(false);
                Thread.currentThread().interrupt();
                try {
                    assertThrows(ClosedByInterruptException.class, () -> ZeroCopyChannels.transferTo(in, 0, 4096, pair.client));
                } finally {
                    Thread.interrupted();
                }
                assertFalse(in.isOpen());
            }
        });
    }

    /** Whether /proc/locks lists a POSIX lock of this process on {@code file}'s inode. */
    private static boolean posixLockHeld(Path file) throws IOException {
        long inode = (Long) Files.getAttribute(file, "unix:ino");
        String pid = String.valueOf(ProcessHandle.current().pid());
        for (String line : Files.readAllLines(Path.of("/proc/locks"))) {
            // 1: POSIX  ADVISORY  WRITE 1234 08:01:5678 0 EOF
            String[] f = line.trim().split("\\s+");
            if (f.length >= 6 && f[1].equals("POSIX") && f[4].equals(pid) && f[5].endsWith(":" + inode)) {
                return true;
            }
        }
        return false;
    }
}
