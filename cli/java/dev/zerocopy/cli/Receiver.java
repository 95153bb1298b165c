package dev.zerocopy.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.zip.CRC32C;

import dev.zerocopy.Measurement;
import dev.zerocopy.ThreadAffinity;

/**
 * The reading end of a socket or pipe target: a thread that reads exactly the bytes of each
 * sample and hashes every one (CRC32C), so a contender that drops, repeats or reorders bytes
 * fails verification. It ends when the channel is closed.
 */
final class Receiver {
    private static final int BUFFER = 1 << 20;

    private final ReadableByteChannel channel;
    private final LinkedBlockingQueue<Job> jobs = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile long received;
    private volatile Job current;
    private volatile Throwable failure;

    private static final class Job {
        final long expected;
        final CompletableFuture<Target.Receipt> done = new CompletableFuture<>();

        Job(long expected) {
            this.expected = expected;
        }
    }

    private final int cpu;

    /** cpu: the CPU the thread pins itself to first, or -1 to leave it to the scheduler. */
    Receiver(ReadableByteChannel channel, String name, int cpu) {
        this.channel = channel;
        this.cpu = cpu;
        // Named for what it is only once pinned, so a reader of /proc never sees it on the wrong CPUs.
        this.thread = new Thread(() -> run("receiver-" + name), "receiver-starting");
        thread.setDaemon(true);
        thread.start();
    }

    void expect(long bytes) {
        Job job = new Job(bytes);
        current = job;
        jobs.add(job);
        Throwable f = failure;
        if (f != null) {
            job.done.completeExceptionally(f); // the thread is gone; fail now rather than time out
        }
    }

    Target.Receipt await(long timeoutMillis) throws IOException {
        Job job = current;
        if (job == null) {
            throw new IllegalStateException("no sample expected");
        }
        try {
            return job.done.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IOException("the receiver got " + received + " of " + job.expected + " bytes within "
                    + timeoutMillis + " ms");
        } catch (ExecutionException e) {
            throw new IOException("the receiver failed after " + received + " of " + job.expected + " bytes: "
                    + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private void run(String name) {
        ByteBuffer buf = ByteBuffer.allocateDirect(BUFFER);
        CRC32C crc = new CRC32C();
        Job job = null;
        try {
            if (cpu >= 0) {
                ThreadAffinity.pinCurrentThread(cpu);
            }
            Thread.currentThread().setName(name);
            while (true) {
                job = jobs.take();
                long cpuBefore = Measurement.threadUsage().threadCpuNanos();
                crc.reset();
                long got = 0;
                long last = 0;
                while (got < job.expected) {
                    buf.clear();
                    buf.limit((int) Math.min(BUFFER, job.expected - got));
                    int n = channel.read(buf);
                    if (n < 0) {
                        throw new IOException("end of stream after " + got + " of " + job.expected + " bytes");
                    }
                    last = System.nanoTime();
                    got += n;
                    received = got;
                    buf.flip();
                    crc.update(buf);
                }
                long cpuUsed = Measurement.threadUsage().threadCpuNanos() - cpuBefore;
                job.done.complete(new Target.Receipt(got, crc.getValue(), last, cpuUsed));
                job = null;
            }
        } catch (IOException | RuntimeException e) {
            failure = e;
            if (job != null) {
                job.done.completeExceptionally(e);
            }
            for (Job j; (j = jobs.poll()) != null; ) {
                j.done.completeExceptionally(e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
