package dev.zerocopy.hazards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerocopy.testkit.Loopback;
import dev.zerocopy.testkit.Sources;
import dev.zerocopy.testkit.Proc;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.zerocopy.ErrnoException;
import dev.zerocopy.Fds;
import dev.zerocopy.NativeZeroCopy;
import dev.zerocopy.TransferMethod;

/**
 * Soak: 32 threads for a few minutes (-Ddev.zerocopy.soakSeconds, default 150), each mixing
 * every method over a pipe, a loopback TCP connection (non-blocking with a tiny send buffer in
 * half the threads) and a file, with random offsets and lengths (some past end of file) and a
 * forced failure now and then. Every byte is checked against the source by the receiving side.
 * Afterwards no descriptor and no mapping is left, and anonymous memory did not grow past a
 * bound. Slow: runs with -Pslow.
 */
@Tag("slow")
class SoakTest {
    private static final int THREADS = 32;
    private static final int[] SIZES = {64 * 1024 + 1, 1 << 20, (3 << 20) + 7, (8 << 20) + 4095, (16 << 20) + 1};

    @TempDir
    Path dir;

    private byte[][] sources;
    private int[] fdIns;
    private final Queue<String> failures = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong ops = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong forcedFailures = new AtomicLong();

    /** What a reader must see next: count bytes of source src from offset. */
    private record Expect(int src, long offset, long count) {
    }

    private static final Expect END = new Expect(-1, 0, 0);

    @Test
    void thirtyTwoThreadsMixedMethodsAndTargets() throws Exception {
        long seconds = Long.getLong("dev.zerocopy.soakSeconds", 150);
        int fdsBefore = Proc.fdCount();
        sources = new byte[SIZES.length][];
        fdIns = new int[SIZES.length];
        List<FileChannel> ins = new ArrayList<>();
        for (int i = 0; i < SIZES.length; i++) {
            sources[i] = Sources.randomBytes(SIZES[i], 1000 + i);
            FileChannel ch = FileChannel.open(Files.write(dir.resolve("src" + i), sources[i]));
            ins.add(ch);
            fdIns[i] = Fds.of(ch);
        }
        Path srcForFailures = dir.resolve("src0");
        System.gc();
        long anonBefore = rssAnonKiB();
        List<Thread> threads = new ArrayList<>();
        CountDownLatch started = new CountDownLatch(THREADS);
        try (Failures forced = new Failures(dir, srcForFailures)) {
            for (int t = 0; t < THREADS; t++) {
                int id = t;
                Thread w = new Thread(() -> worker(id, forced, started), "soak-" + t);
                w.start();
                threads.add(w);
            }
            assertTrue(started.await(60, TimeUnit.SECONDS));
            long start = System.nanoTime();
            long warm = 0;
            while (System.nanoTime() - start < TimeUnit.SECONDS.toNanos(seconds) && failures.isEmpty()) {
                Thread.sleep(1000);
                if (warm == 0 && System.nanoTime() - start > TimeUnit.SECONDS.toNanos(seconds) / 5) {
                    System.gc();
                    warm = rssAnonKiB(); // steady state: every thread has its pipe, buffer and targets
                }
            }
            stop.set(true);
            for (Thread w : threads) {
                w.join(TimeUnit.MINUTES.toMillis(2));
                assertTrue(!w.isAlive(), w.getName() + " did not stop");
            }
            assertTrue(failures.isEmpty(), "failures: " + failures);
            System.gc();
            long anonAfter = rssAnonKiB();
            System.out.printf("soak: %d s, %d threads, %d transfers, %d forced failures, %.1f GiB verified; "
                    + "anon KiB before %d, warm %d, after %d%n", seconds, THREADS, ops.get(), forcedFailures.get(),
                    bytes.get() / (double) (1L << 30), anonBefore, warm, anonAfter);
            assertTrue(ops.get() > THREADS * 10L, "too few transfers: " + ops.get());
            // Bounded memory: after the warm-up, no growth beyond noise (a leak of one 256 KiB
            // buffer or one mapping per transfer would be gigabytes).
            if (warm > 0) {
                assertTrue(anonAfter - warm < 256 * 1024, "anonymous memory grew from " + warm + " to " + anonAfter + " KiB");
            }
        } finally {
            stop.set(true);
            for (FileChannel ch : ins) {
                ch.close();
            }
        }
        assertEquals(0, Proc.mapsLines(dir), "mappings of the sources left");
        // Thread pipes are closed as each native thread exits, just after join returns: polled.
        Proc.assertNoGrowth("descriptors after the soak", fdsBefore, Proc::fdCount);
    }

    private void worker(int id, Failures forced, CountDownLatch started) {
        SplittableRandom rnd = new SplittableRandom(id);
        boolean nonBlockingTcp = id % 2 == 1;
        LinkedBlockingQueue<Expect> pipeExpect = new LinkedBlockingQueue<>();
        LinkedBlockingQueue<Expect> tcpExpect = new LinkedBlockingQueue<>();
        Thread pipeReader = null;
        Thread tcpReader = null;
        Path file = dir.resolve("out-" + id);
        try (Loopback tcp = Loopback.open(nonBlockingTcp ? 4096 : 0, nonBlockingTcp ? 8192 : 0);
             FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                     StandardOpenOption.WRITE)) {
            Pipe pipe = Pipe.open();
            try {
                pipeReader = reader("pipe-" + id, pipe.source(), pipeExpect);
                tcpReader = reader("tcp-" + id, tcp.server, tcpExpect);
                if (nonBlockingTcp) {
                    tcp.client.configureBlocking(false);
                }
                int pipeFd = Fds.of(pipe.sink());
                int tcpFd = Fds.of(tcp.client);
                int fileFd = Fds.of(out);
                ByteBuffer check = ByteBuffer.allocate(1 << 20);
                started.countDown();
                while (!stop.get() && failures.isEmpty()) {
                    int pick = rnd.nextInt(100);
                    if (pick < 4) {
                        forced.cases.get(rnd.nextInt(forced.cases.size())).assertFails();
                        forcedFailures.incrementAndGet();
                        continue;
                    }
                    int s = rnd.nextInt(SIZES.length);
                    int size = SIZES[s];
                    long offset = rnd.nextInt(10) == 0 ? size : rnd.nextInt(size);
                    long length = rnd.nextInt(10) == 0 ? Long.MAX_VALUE / 2 : 1 + rnd.nextInt(4 << 20);
                    long expected = Math.max(0, Math.min(length, size - offset));
                    if (pick < 40) {
                        TransferMethod m = TransferMethod.values()[rnd.nextInt(4)];
                        toStream(m, s, pipeFd, offset, expected, false, pipeExpect);
                    } else if (pick < 75) {
                        TransferMethod m = TransferMethod.values()[rnd.nextInt(4)];
                        try {
                            toStream(m, s, tcpFd, offset, expected, nonBlockingTcp, tcpExpect);
                        } catch (StopMidRange end) {
                            break;
                        }
                    } else {
                        TransferMethod m = TransferMethod.values()[rnd.nextInt(5)];
                        long len = Math.min(length, 1 << 20);
                        toFile(m, s, out, fileFd, offset, len, check);
                    }
                    ops.incrementAndGet();
                }
            } finally {
                pipeExpect.add(END);
                tcpExpect.add(END);
                pipe.sink().close();
                tcp.client.shutdownOutput();
                join(pipeReader);
                join(tcpReader);
                pipe.source().close();
            }
        } catch (Throwable t) {
            failures.add(Thread.currentThread().getName() + ": " + t);
            stop.set(true);
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                failures.add(e.toString());
            }
        }
    }

    private void toStream(TransferMethod m, int s, int fd, long offset, long expected, boolean nonBlocking,
            LinkedBlockingQueue<Expect> expect) throws ErrnoException {
        if (expected > 0) {
            expect.add(new Expect(s, offset, expected)); // before the call: the reader may see bytes at once
        }
        if (!nonBlocking) {
            long n = NativeZeroCopy.transfer(m, fdIns[s], fd, offset, expected == 0 ? 4096 : expected);
            if (n != expected) {
                throw new AssertionError(m + " to a blocking target moved " + n + " of " + expected);
            }
        } else {
            long done = 0;
            do {
                long n = NativeZeroCopy.transfer(m, fdIns[s], fd, offset + done, expected - done);
                if (n < 0 || n > expected - done) {
                    throw new AssertionError(m + " returned " + n);
                }
                done += n;
                if (n == 0 && done < expected) {
                    LockSupport.parkNanos(200_000); // the receiver drains; try again, as a selector loop would
                }
            } while (done < expected && !stop.get());
            if (done < expected) {
                // Stopping mid-range: tell the reader how much really went.
                throw new StopMidRange(s, offset, done);
            }
        }
        bytes.addAndGet(expected);
    }

    /** The run ended during a non-blocking range; not a failure (the reader's expectation is cut short). */
    private static final class StopMidRange extends RuntimeException {
        private static final long serialVersionUID = 1L;

        StopMidRange(int s, long offset, long done) {
            super("stopped at " + done + " of a range of source " + s + " from " + offset);
        }
    }

    private void toFile(TransferMethod m, int s, FileChannel out, int fd, long offset, long len, ByteBuffer check)
            throws IOException {
        out.truncate(0);
        out.position(0);
        long n = NativeZeroCopy.transfer(m, fdIns[s], fd, offset, len);
        long expected = Math.max(0, Math.min(len, SIZES[s] - offset));
        if (n != expected || out.size() != expected) {
            throw new AssertionError(m + " to a file moved " + n + " (file " + out.size() + ") of " + expected);
        }
        check.clear().limit((int) expected);
        while (check.hasRemaining()) {
            if (out.read(check, check.position()) < 0) {
                break;
            }
        }
        if (Arrays.mismatch(check.array(), 0, (int) expected, sources[s], (int) offset, (int) (offset + expected)) >= 0) {
            throw new AssertionError(m + " to a file: bytes differ");
        }
        bytes.addAndGet(expected);
    }

    /** A thread reading ch and comparing every byte with the expectations, in order. */
    private Thread reader(String name, ReadableByteChannel ch, LinkedBlockingQueue<Expect> expect) {
        Thread t = new Thread(() -> {
            ByteBuffer buf = ByteBuffer.allocate(256 * 1024);
            try {
                while (true) {
                    Expect e = expect.take();
                    if (e == END) {
                        return;
                    }
                    long pos = e.offset;
                    long end = e.offset + e.count;
                    while (pos < end) {
                        buf.clear().limit((int) Math.min(buf.capacity(), end - pos));
                        int n = ch.read(buf);
                        if (n < 0) {
                            if (stop.get()) {
                                return; // a range cut short by the end of the run
                            }
                            throw new AssertionError(name + ": end of stream inside a range");
                        }
                        byte[] src = sources[e.src];
                        if (Arrays.mismatch(buf.array(), 0, n, src, (int) pos, (int) pos + n) >= 0) {
                            throw new AssertionError(name + ": bytes differ at source " + e.src + " offset " + pos);
                        }
                        pos += n;
                    }
                }
            } catch (Throwable x) {
                failures.add(x.toString());
                stop.set(true);
                try {
                    ch.close(); // the writer gets EPIPE instead of blocking
                } catch (IOException ignored) {
                    // already failing
                }
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void join(Thread t) throws InterruptedException {
        if (t != null) {
            t.join(TimeUnit.MINUTES.toMillis(1));
        }
    }

    private static long rssAnonKiB() throws IOException {
        for (String l : Files.readAllLines(Paths.get("/proc/self/status"))) {
            if (l.startsWith("RssAnon:")) {
                return Long.parseLong(l.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
