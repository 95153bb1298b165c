package dev.zerocopy.lab;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

import dev.zerocopy.Fds;
import dev.zerocopy.KernelExperiments;
import dev.zerocopy.Measurement;
import dev.zerocopy.NativeZeroCopy;
import dev.zerocopy.ThreadUsage;
import dev.zerocopy.ZeroCopySendResult;

/**
 * The "kernel 2.1 vs 2.4" experiment: a page-cached file sent through each path (read+write,
 * mmap+write, sendfile, splice, mmap+MSG_ZEROCOPY) over loopback and over a veth pair with
 * scatter-gather on and off, the receiver checksumming (CRC32C) every byte in the same JVM.
 * Rounds are interleaved (round, then link, then path); the table gives medians [min-max] of
 * throughput and of the sender thread's CPU per GiB (user + system, getrusage RUSAGE_THREAD).
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp target/native-zerocopy-cli.jar dev.zerocopy.lab.SgExperiment \
 *     [--size-mib 256] [--rounds 5] [--links loopback,veth-sg,veth-nosg] [--dir target]
 * </pre>
 * The veth links need root and iproute2; without them they are left out, with the reason.
 */
public final class SgExperiment {
    private static final String[] PATHS = {"readWrite", "mmapWrite", "sendfile", "splice", "mmapSendZeroCopy"};
    private static final double GIB = 1024.0 * 1024 * 1024;

    private SgExperiment() {
    }

    /** One transfer's figures. */
    private record Sample(double gbPerS, double senderCpuMsPerGiB, double senderSysMsPerGiB, double receiverCpuMsPerGiB,
            String zeroCopy) {
    }

    public static void main(String[] args) throws Exception {
        int sizeMib = 256;
        int rounds = 5;
        String links = "loopback,veth-sg,veth-nosg";
        Path dir = Paths.get("target");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--size-mib" -> sizeMib = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--links" -> links = args[++i];
                case "--dir" -> dir = Paths.get(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        NativeZeroCopy.ensureAvailable();
        Files.createDirectories(dir);
        Path file = Files.createTempFile(dir, "sg-experiment-", ".bin");
        List<SocketLink> open = new ArrayList<>();
        try {
            long expectedCrc = writeFile(file, (long) sizeMib << 20);
            for (String name : links.split(",")) {
                try {
                    SocketLink link = Links.open(name);
                    if (link instanceof VethLab lab) {
                        System.out.println(name + ": " + lab.senderDevice() + " in " + lab.senderNamespace() + ": "
                                + lab.senderFeatures());
                    }
                    open.add(link);
                } catch (LabUnavailableException e) {
                    System.out.println("skipping " + name + ": " + e.getMessage());
                }
            }
            Map<String, List<Sample>> samples = new LinkedHashMap<>();
            try (FileChannel in = FileChannel.open(file)) {
                int fd = Fds.of(in);
                // Warm-up round (not recorded): JIT, page cache, TCP autotuning.
                for (SocketLink link : open) {
                    for (String path : PATHS) {
                        run(link, path, fd, in.size(), expectedCrc);
                    }
                }
                for (int r = 0; r < rounds; r++) {
                    for (SocketLink link : open) {
                        for (String path : PATHS) {
                            Sample s = run(link, path, fd, in.size(), expectedCrc);
                            samples.computeIfAbsent(link.name() + " " + path, k -> new ArrayList<>()).add(s);
                        }
                    }
                    System.out.println("round " + (r + 1) + "/" + rounds + " done");
                }
            }
            print(samples, sizeMib, rounds);
        } finally {
            for (SocketLink l : open) {
                l.close();
            }
            Files.deleteIfExists(file);
        }
    }

    private static long writeFile(Path file, long size) throws IOException {
        Random rnd = new Random(2024);
        byte[] chunk = new byte[1 << 20];
        CRC32C crc = new CRC32C();
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE)) {
            for (long done = 0; done < size; done += chunk.length) {
                rnd.nextBytes(chunk);
                crc.update(chunk);
                out.write(ByteBuffer.wrap(chunk));
            }
        }
        return crc.getValue();
    }

    private static Sample run(SocketLink link, String path, int fd, long size, long expectedCrc) throws Exception {
        try (SocketPair pair = link.connect()) {
            CompletableFuture<long[]> rx = receive(pair.receiver());
            int out = Fds.of(pair.sender());
            long t0 = System.nanoTime();
            ThreadUsage cpu0 = Measurement.threadUsage();
            long moved;
            String zc = "";
            switch (path) {
                case "readWrite" -> moved = NativeZeroCopy.readWrite(fd, out, 0, size);
                case "mmapWrite" -> moved = NativeZeroCopy.mmapWrite(fd, out, 0, size);
                case "sendfile" -> moved = NativeZeroCopy.sendfile(fd, out, 0, size);
                case "splice" -> moved = NativeZeroCopy.splice(fd, out, 0, size);
                case "mmapSendZeroCopy" -> {
                    ZeroCopySendResult r = KernelExperiments.mmapSendZeroCopy(fd, out, 0, size);
                    moved = r.bytes();
                    zc = r.sends() + " sends: " + r.zeroCopied() + " zero-copied, " + r.copied() + " copied, "
                            + r.plainSends() + " plain";
                }
                default -> throw new AssertionError(path);
            }
            ThreadUsage used = Measurement.threadUsage().minus(cpu0);
            long user = used.userNanos();
            long cpu = used.cpuNanos();
            pair.sender().shutdownOutput();
            long[] got = rx.get(120, TimeUnit.SECONDS); // bytes, crc, receiver cpu ns
            long wall = System.nanoTime() - t0;
            if (moved != size || got[0] != size || got[1] != expectedCrc) {
                throw new IOException(link.name() + " " + path + ": sent " + moved + ", received " + got[0]
                        + " bytes, crc " + Long.toHexString(got[1]) + " (expected " + size + ", " + Long.toHexString(expectedCrc) + ")");
            }
            double gib = size / GIB;
            return new Sample(size / (double) wall, cpu / 1e6 / gib, (cpu - user) / 1e6 / gib, got[2] / 1e6 / gib, zc);
        }
    }

    /** Reads ch to its end on a new thread: {bytes, CRC32C, the thread's CPU ns}. */
    private static CompletableFuture<long[]> receive(SocketChannel ch) {
        CompletableFuture<long[]> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                ThreadUsage c0 = Measurement.threadUsage();
                ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
                CRC32C crc = new CRC32C();
                long total = 0;
                for (int n; (n = ch.read(buf)) >= 0; ) {
                    buf.flip();
                    crc.update(buf);
                    buf.clear();
                    total += n;
                }
                f.complete(new long[] {total, crc.getValue(), Measurement.threadUsage().minus(c0).cpuNanos()});
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }, "sg-receiver");
        t.setDaemon(true);
        t.start();
        return f;
    }

    private static void print(Map<String, List<Sample>> samples, int sizeMib, int rounds) {
        System.out.println();
        System.out.printf(Locale.ROOT, "%d MiB page-cached file, %d interleaved rounds, medians [min-max]%n%n", sizeMib, rounds);
        System.out.println("| link | path | GB/s | sender CPU ms/GiB | of which sys | receiver CPU ms/GiB | MSG_ZEROCOPY completions (last round) |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (Map.Entry<String, List<Sample>> e : samples.entrySet()) {
            List<Sample> s = e.getValue();
            String[] key = e.getKey().split(" ");
            System.out.printf(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s |%n", key[0], key[1],
                    Stats.spread(s.stream().map(Sample::gbPerS).toList(), 2),
                    Stats.spread(s.stream().map(Sample::senderCpuMsPerGiB).toList(), 0),
                    Stats.spread(s.stream().map(Sample::senderSysMsPerGiB).toList(), 0),
                    Stats.spread(s.stream().map(Sample::receiverCpuMsPerGiB).toList(), 0),
                    s.get(s.size() - 1).zeroCopy());
        }
    }
}
