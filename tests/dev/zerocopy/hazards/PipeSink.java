package dev.zerocopy.hazards;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import dev.zerocopy.Fds;

/**
 * A pipe whose read end is drained by a thread into memory. The reader can be held after a
 * given number of bytes ({@link #holdAfter}) and released later, so a writer blocks in the
 * kernel at a known point of its transfer.
 */
final class PipeSink implements AutoCloseable {
    private final Pipe pipe;
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private final AtomicLong count = new AtomicLong();
    private final CountDownLatch held = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private final long holdAfter;
    private final Thread reader;
    private volatile IOException readError;
    private final int readSize;

    /** holdAfter: stop reading once this many bytes arrived, until {@link #release()}; -1 never. */
    PipeSink(long holdAfter, int readSize) throws IOException {
        this.pipe = Pipe.open();
        this.holdAfter = holdAfter;
        this.readSize = readSize;
        this.reader = new Thread(this::drain, "pipe-sink");
        reader.setDaemon(true);
        reader.start();
    }

    PipeSink() throws IOException {
        this(-1, 64 * 1024);
    }

    /** The fd of the write end. */
    int fd() throws IOException {
        return Fds.of(pipe.sink());
    }

    Pipe.SinkChannel sink() {
        return pipe.sink();
    }

    private void drain() {
        ByteBuffer buf = ByteBuffer.allocate(readSize);
        try {
            while (true) {
                if (holdAfter >= 0 && count.get() >= holdAfter && held.getCount() > 0) {
                    held.countDown();
                    release.await();
                }
                buf.clear();
                if (holdAfter >= 0 && held.getCount() > 0) {
                    buf.limit((int) Math.min(readSize, holdAfter - count.get()));
                }
                int n = pipe.source().read(buf);
                if (n < 0) {
                    break;
                }
                synchronized (received) {
                    received.write(buf.array(), 0, n);
                }
                count.addAndGet(n);
            }
        } catch (IOException e) {
            readError = e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            held.countDown();
        }
    }

    /** Waits until the reader holds (received holdAfter bytes). */
    boolean awaitHeld(long seconds) throws InterruptedException {
        return held.await(seconds, TimeUnit.SECONDS);
    }

    void release() {
        release.countDown();
    }

    long count() {
        return count.get();
    }

    /** Closes the write end, then waits for the reader to see end of file; returns what it read. */
    byte[] finish(long seconds) throws Exception {
        release();
        pipe.sink().close();
        reader.join(TimeUnit.SECONDS.toMillis(seconds));
        if (reader.isAlive()) {
            throw new AssertionError("pipe reader did not finish");
        }
        if (readError != null) {
            throw readError;
        }
        synchronized (received) {
            return received.toByteArray();
        }
    }

    /** Closes the read end now (the peer goes away); the held reader thread then ends without reading more. */
    void closeReadEnd() throws IOException {
        pipe.source().close();
        release();
    }

    /** After {@link #closeReadEnd()}: what the reader got before the close. */
    byte[] finishQuietly() throws InterruptedException {
        reader.join(TimeUnit.SECONDS.toMillis(20));
        synchronized (received) {
            return received.toByteArray();
        }
    }

    IOException readError() {
        return readError;
    }

    @Override
    public void close() throws IOException {
        release();
        pipe.sink().close();
        pipe.source().close();
    }
}
