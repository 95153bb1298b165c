package dev.zerocopy;

import dev.zerocopy.testkit.Loopback;
import dev.zerocopy.testkit.Hashing;
import dev.zerocopy.testkit.VmspliceProducer;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.zerocopy.testkit.Drain;
import dev.zerocopy.testkit.Received;

/**
 * Run by KernelCallsEintrTest under strace fault injection: each kernel-experiment call once,
 * data checked; prints "<name> ok" or "<name> BAD ...".
 */
public final class KernelCallsChild {
    private KernelCallsChild() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Random rnd = new Random(12);
        byte[] big = new byte[10 * 1024 * 1024 + 3];
        rnd.nextBytes(big);
        Path bigFile = Files.write(dir.resolve("big"), big);

        // sendfileBatch: 40 files to a file
        int n = 40;
        FileChannel[] files = new FileChannel[n];
        int[] fds = new int[n];
        long[] offsets = new long[n];
        long[] lengths = new long[n];
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (int i = 0; i < n; i++) {
            byte[] b = new byte[1 + rnd.nextInt(100_000)];
            rnd.nextBytes(b);
            files[i] = FileChannel.open(Files.write(dir.resolve("f" + i), b));
            fds[i] = Fds.of(files[i]);
            lengths[i] = b.length;
            expected.write(b);
        }
        Path out = dir.resolve("batch-out");
        try (FileChannel o = FileChannel.open(out, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            SendfileBatchResult r = KernelExperiments.sendfileBatch(Fds.of(o), fds, offsets, lengths);
            report("sendfileBatch", r.itemsCompleted() == n && Arrays.equals(expected.toByteArray(), Files.readAllBytes(out)), r.toString());
        }
        for (FileChannel f : files) {
            f.close();
        }

        try (FileChannel in = FileChannel.open(bigFile)) {
            // sendWithHeader with a trailer, to a socket
            try (Loopback pair = Loopback.open(0, 0)) {
                CompletableFuture<Received> rx = Drain.toEnd(pair.server);
                ByteBuffer h = ByteBuffer.allocateDirect(3).put(new byte[] {'H', 'D', 'R'}).flip();
                ByteBuffer t = ByteBuffer.allocateDirect(2).put(new byte[] {'T', 'R'}).flip();
                long sent = KernelExperiments.sendWithHeader(Fds.of(pair.client), h, Fds.of(in), 0, big.length, t);
                pair.client.shutdownOutput();
                byte[] e = new byte[big.length + 5];
                e[0] = 'H';
                e[1] = 'D';
                e[2] = 'R';
                System.arraycopy(big, 0, e, 3, big.length);
                e[e.length - 2] = 'T';
                e[e.length - 1] = 'R';
                Received got = rx.get(60, TimeUnit.SECONDS);
                report("sendWithHeader", sent == e.length && got.sha256().equals(Hashing.of(e, 0, e.length)),
                        sent + " " + got.count());
            }
            // mmapSendZeroCopy to a socket
            try (Loopback pair = Loopback.open(0, 0)) {
                CompletableFuture<Received> rx = Drain.toEnd(pair.server);
                ZeroCopySendResult r = KernelExperiments.mmapSendZeroCopy(Fds.of(in), Fds.of(pair.client), 0, big.length);
                pair.client.shutdownOutput();
                Received got = rx.get(60, TimeUnit.SECONDS);
                report("mmapSendZeroCopy", r.bytes() == big.length && r.sends() + r.plainSends() > 0
                        && r.sends() == r.zeroCopied() + r.copied()
                        && got.sha256().equals(Hashing.of(big, 0, big.length)), r.toString());
            }
        }

        // vmsplice -> tee -> spliceStream, two consumers
        Pipe input = Pipe.open();
        Pipe copy = Pipe.open();
        Path fileA = dir.resolve("tee-a");
        try (Pipe.SinkChannel inSink = input.sink(); Pipe.SourceChannel inSource = input.source();
             Pipe.SinkChannel copySink = copy.sink(); Pipe.SourceChannel copySource = copy.source();
             FileChannel a = FileChannel.open(fileA, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            CompletableFuture<Received> b = Drain.toEnd(copySource);
            ByteBuffer src = ByteBuffer.allocateDirect(big.length).put(big).flip();
            Thread producer = VmspliceProducer.start(inSink, src);
            long total = 0;
            for (long k; (k = KernelExperiments.tee(Fds.of(inSource), Fds.of(copySink), Long.MAX_VALUE, false)) > 0; ) {
                total += KernelExperiments.spliceStream(Fds.of(inSource), Fds.of(a), k, false);
            }
            producer.join();
            copySink.close();
            Received got = b.get(60, TimeUnit.SECONDS);
            report("tee", total == big.length && got.sha256().equals(Hashing.of(big, 0, big.length))
                    && Arrays.equals(big, Files.readAllBytes(fileA)), total + " " + got.count());
        }
    }

    private static void report(String name, boolean ok, String detail) {
        System.out.println(name + (ok ? " ok" : " BAD " + detail));
    }
}
