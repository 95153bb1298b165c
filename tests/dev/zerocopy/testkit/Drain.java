package dev.zerocopy.testkit;

import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.security.MessageDigest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The far end of a transfer: a daemon thread that reads a channel to end of stream, counting every
 * byte and hashing them. It can wait before reading ({@link Options#holdAfter}, e.g. so a writer
 * blocks in a full pipe at a known point) and leave early ({@link Options#closeAfter}, a peer that
 * goes away). Every fixture that receives bytes uses this one reader.
 */
public final class Drain {
    private static final AtomicInteger SEQ = new AtomicInteger();

    /** How to read; the defaults read everything at once in 256 KiB reads and hash it all. */
    public static final class Options {
        long hashFrom;
        long holdAfter = -1;
        long closeAfter = -1;
        int readSize = 256 * 1024;

        /** Count every byte but hash only those from this stream position on (multi-GiB sparse sources). */
        public Options hashFrom(long position) {
            hashFrom = position;
            return this;
        }

        /** Stop reading once this many bytes arrived (0: before the first read) until {@link Drain#release()}. */
        public Options holdAfter(long bytes) {
            holdAfter = bytes;
            return this;
        }

        /** Close the channel after receiving this many bytes (0: before the first read). */
        public Options closeAfter(long bytes) {
            closeAfter = bytes;
            return this;
        }

        /** At most this many bytes per read (small reads make a slow reader). */
        public Options readSize(int bytes) {
            readSize = bytes;
            return this;
        }
    }

    private final ReadableByteChannel channel;
    private final Options options;
    private final CountDownLatch held = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);
    private final CompletableFuture<Received> result = new CompletableFuture<>();
    private final Thread thread;
    private volatile long count;

    private Drain(ReadableByteChannel channel, Options options) {
        this.channel = channel;
        this.options = options;
        thread = new Thread(this::run, "drain-" + SEQ.incrementAndGet());
        thread.setDaemon(true);
    }

    /** Starts reading ch with the default options. */
    public static Drain start(ReadableByteChannel ch) {
        return start(ch, new Options());
    }

    public static Drain start(ReadableByteChannel ch, Options options) {
        Drain d = new Drain(ch, options);
        d.thread.start();
        return d;
    }

    /** Reads ch to its end on another thread; completes with what arrived. */
    public static CompletableFuture<Received> toEnd(ReadableByteChannel ch) {
        return start(ch).result;
    }

    private void run() {
        MessageDigest md = Hashing.sha256();
        ByteBuffer buf = ByteBuffer.allocateDirect(options.readSize);
        long n = 0;
        try {
            while (true) {
                boolean holding = options.holdAfter >= 0 && released.getCount() > 0;
                if (holding && n >= options.holdAfter) {
                    held.countDown();
                    released.await();
                    holding = false;
                }
                if (options.closeAfter >= 0 && n >= options.closeAfter) {
                    channel.close();
                    break;
                }
                long room = options.readSize;
                if (options.closeAfter >= 0) {
                    room = Math.min(room, options.closeAfter - n);
                }
                if (holding) {
                    room = Math.min(room, options.holdAfter - n);
                }
                buf.clear().limit((int) room);
                int r = channel.read(buf);
                if (r < 0) {
                    break;
                }
                buf.flip();
                if (n + r > options.hashFrom) {
                    buf.position((int) Math.max(0, options.hashFrom - n));
                    md.update(buf);
                }
                n += r;
                count = n;
            }
            result.complete(new Received(n, Hashing.hex(md.digest())));
        } catch (Throwable t) {
            result.completeExceptionally(t);
        } finally {
            held.countDown();
        }
    }

    /** Bytes read so far. */
    public long count() {
        return count;
    }

    /** Waits until the reader holds (it got {@code holdAfter} bytes) or ended; false on timeout. */
    public boolean awaitHeld(long seconds) throws InterruptedException {
        return held.await(seconds, TimeUnit.SECONDS);
    }

    /** Lets a holding reader go on. */
    public void release() {
        released.countDown();
    }

    /** Waits for the reader to end (end of stream, or closeAfter reached). */
    public void awaitEnd(long seconds) throws InterruptedException {
        thread.join(TimeUnit.SECONDS.toMillis(seconds));
    }

    /** The channel this reads. */
    public ReadableByteChannel channel() {
        return channel;
    }

    /**
     * Releases the reader and waits for it to see end of stream (the caller closed the writing
     * side); fails if it does not within 5 minutes or failed to read.
     */
    public Received await() throws Exception {
        release();
        try {
            return result.get(5, TimeUnit.MINUTES);
        } catch (TimeoutException e) {
            channel.close();
            throw new AssertionError("reader did not see end of stream after " + count + " bytes");
        } catch (ExecutionException e) {
            throw new AssertionError("reader failed after " + count + " bytes", e.getCause());
        }
    }

    /** Ends the reader: releases it and closes its channel (after which it stops quietly or with an error nobody reads). */
    public void stop(long seconds) throws java.io.IOException, InterruptedException {
        release();
        channel.close();
        thread.join(TimeUnit.SECONDS.toMillis(seconds));
    }
}
