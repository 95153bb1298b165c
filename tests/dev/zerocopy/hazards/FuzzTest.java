package dev.zerocopy.hazards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerocopy.testkit.DaemonPool;
import dev.zerocopy.testkit.Libc;
import dev.zerocopy.testkit.Sources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.zerocopy.ErrnoException;
import dev.zerocopy.NativeZeroCopy;
import dev.zerocopy.TransferMethod;

/**
 * Fuzz: 40k random (method, fdIn, fdOut, offset, length) calls from 4 threads, invalid values
 * included (negative, huge, never-open fds, directories, pipes and sockets as sources, /dev/full,
 * O_APPEND and read-only targets, offsets near 2^63). Each call returns a count within the
 * request, or throws IllegalArgumentException (negative offset or length) or an ErrnoException
 * with an errno from the documented set and a byte count within the request. Nothing else, and
 * the JVM never dies. Targets are all non-blocking or bounded, so no call can block; no target
 * is the same file as a source (a file copied into itself with a huge length grows forever, as
 * {@code cat f >> f} does).
 */
class FuzzTest {
    private static final Set<String> DOCUMENTED = Set.of("EBADF", "EINVAL", "ESPIPE", "ENODEV", "EISDIR", "EXDEV",
            "EFBIG", "EOVERFLOW", "EACCES", "ENOSPC", "EPIPE");

    @TempDir
    Path dir;

    private record Fd(String name, int fd, boolean infinite) {
    }

    @Test
    void randomCallsGiveOnlyDocumentedOutcomes() throws Exception {
        List<Integer> owned = new ArrayList<>();
        List<Fd> ins = new ArrayList<>();
        List<Fd> outs = new ArrayList<>();
        try {
            for (int size : new int[] {0, 1, 4096, (1 << 20) + 3}) {
                Path f = Files.write(dir.resolve("src" + size), Sources.randomBytes(size, size));
                ins.add(new Fd("file" + size, open(owned, f.toString(), Libc.O_RDONLY), false));
            }
            ins.add(new Fd("/proc/version", open(owned, "/proc/version", Libc.O_RDONLY), false));
            ins.add(new Fd("/dev/zero", open(owned, "/dev/zero", Libc.O_RDONLY), true));
            ins.add(new Fd("/dev/null", open(owned, "/dev/null", Libc.O_RDONLY), false));
            ins.add(new Fd("dir", open(owned, dir.toString(), Libc.O_RDONLY), false));
            Path wo = Files.write(dir.resolve("writeonly"), new byte[8192]);
            ins.add(new Fd("write-only", open(owned, wo.toString(), Libc.O_WRONLY), false));

            int[] pipe = Libc.pipe();
            owned.add(pipe[0]);
            owned.add(pipe[1]);
            Libc.setNonBlocking(pipe[1]);
            Libc.setNonBlocking(pipe[0]);
            ins.add(new Fd("pipe-read-end", pipe[0], false));
            outs.add(new Fd("pipe-write-end (non-blocking, never read)", pipe[1], false));
            int[] sv = Libc.socketPair();
            owned.add(sv[0]);
            owned.add(sv[1]);
            Libc.setNonBlocking(sv[0]);
            Libc.setNonBlocking(sv[1]);
            ins.add(new Fd("socket", sv[1], false));
            outs.add(new Fd("socket (non-blocking, never read)", sv[0], false));
            int[] broken = Libc.pipe();
            Libc.closeQuietly(broken[0]);
            owned.add(broken[1]);
            outs.add(new Fd("pipe without reader", broken[1], false));
            outs.add(new Fd("/dev/null", open(owned, "/dev/null", Libc.O_WRONLY), false));
            outs.add(new Fd("/dev/full", open(owned, "/dev/full", Libc.O_WRONLY), false));
            outs.add(new Fd("dir", open(owned, dir.toString(), Libc.O_RDONLY), false));
            Path target = Files.createFile(dir.resolve("target"));
            outs.add(new Fd("file", open(owned, target.toString(), Libc.O_RDWR), false));
            outs.add(new Fd("file O_APPEND", open(owned, target.toString(), Libc.O_WRONLY | Libc.O_APPEND), false));
            outs.add(new Fd("file read-only", open(owned, target.toString(), Libc.O_RDONLY), false));
            int targetFd = outs.get(outs.size() - 3).fd();
            for (int bad : new int[] {-1, -100, Integer.MIN_VALUE, 1_000_000, Integer.MAX_VALUE}) {
                ins.add(new Fd("bad " + bad, bad, false)); // never open: above RLIMIT_NOFILE, or negative
                outs.add(new Fd("bad " + bad, bad, false));
            }
            // A pipe that still holds bytes, as a source: splice may only read it by offset (ESPIPE).
            Libc.LIBC.write(pipe[1], new byte[100], 100);

            Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
            ExecutorService pool = Executors.newFixedThreadPool(4, DaemonPool.DAEMON);
            List<Future<?>> runs = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                long seed = 77 + t;
                runs.add(pool.submit(() -> {
                    SplittableRandom rnd = new SplittableRandom(seed);
                    for (int i = 0; i < 10_000; i++) {
                        if (i % 500 == 0) {
                            Libc.LIBC.ftruncate(targetFd, 0); // keep the file target small
                        }
                        call(rnd, ins, outs, outcomes);
                    }
                    return null;
                }));
            }
            for (Future<?> r : runs) {
                r.get(5, TimeUnit.MINUTES);
            }
            pool.shutdown();
            Map<String, Long> sorted = new TreeMap<>();
            outcomes.forEach((k, v) -> sorted.put(k, v.sum()));
            System.out.println("fuzz outcomes: " + sorted);
            assertEquals(40_000, sorted.values().stream().mapToLong(Long::longValue).sum());
            assertTrue(sorted.getOrDefault("ok", 0L) > 1000, "too few successful calls: " + sorted);
            assertTrue(sorted.getOrDefault("IllegalArgumentException", 0L) > 100, sorted.toString());
        } finally {
            for (int fd : owned) {
                Libc.closeQuietly(fd);
            }
        }
    }

    private static void call(SplittableRandom rnd, List<Fd> ins, List<Fd> outs, Map<String, LongAdder> outcomes) {
        TransferMethod m = TransferMethod.values()[rnd.nextInt(TransferMethod.values().length)];
        Fd in = ins.get(rnd.nextInt(ins.size()));
        Fd out = outs.get(rnd.nextInt(outs.size()));
        long offset = pick(rnd, new long[] {0, 1, 4095, 4096, 1 << 20, (1 << 20) + 3, 1L << 31, 1L << 32,
            Long.MAX_VALUE, Long.MAX_VALUE - 4096, -1, Long.MIN_VALUE}, 1 << 21);
        long length = pick(rnd, new long[] {0, 1, 4096, 65536, 1 << 20, Integer.MAX_VALUE, Long.MAX_VALUE,
            Long.MAX_VALUE / 2, -1, Long.MIN_VALUE}, 1 << 21);
        if (in.infinite() && length > (1 << 20)) {
            length = 1 << 20; // /dev/zero never ends: a huge length would be a long copy, not a hang, but slow
        }
        String what = m + "(" + in.name() + " -> " + out.name() + ", offset " + offset + ", length " + length + ")";
        String outcome;
        try {
            long n = NativeZeroCopy.transfer(m, in.fd(), out.fd(), offset, length);
            assertTrue(n >= 0 && n <= length, what + " returned " + n);
            outcome = "ok";
        } catch (IllegalArgumentException e) {
            assertTrue(offset < 0 || length < 0, what + ": " + e);
            outcome = "IllegalArgumentException";
        } catch (ErrnoException e) {
            assertTrue(DOCUMENTED.contains(e.errnoName()), what + ": undocumented " + e.getMessage());
            assertTrue(e.bytesTransferred() >= 0 && e.bytesTransferred() <= length, what + ": " + e.getMessage());
            outcome = e.errnoName();
        }
        outcomes.computeIfAbsent(outcome, k -> new LongAdder()).increment();
    }

    private static long pick(SplittableRandom rnd, long[] special, int bound) {
        return rnd.nextInt(3) == 0 ? rnd.nextInt(bound) : special[rnd.nextInt(special.length)];
    }

    private static int open(List<Integer> owned, String path, int flags) {
        int fd = Libc.open(path, flags);
        owned.add(fd);
        return fd;
    }
}
