package dev.zerocopy;

import dev.zerocopy.testkit.Loopback;
import dev.zerocopy.testkit.Hashing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.zerocopy.testkit.Drain;
import dev.zerocopy.testkit.Received;

/** sendfileBatch: many (fd, offset, length) items in one native call. */
class SendfileBatchTest {
    @TempDir
    Path dir;

    private FileChannel[] files = new FileChannel[0];
    private byte[][] contents;

    @AfterEach
    void closeFiles() throws Exception {
        for (FileChannel f : files) {
            if (f != null) {
                f.close();
            }
        }
    }

    /** n files of random sizes 0..20000 with random bytes, opened for reading. */
    private int[] openFiles(int n, long seed) throws Exception {
        Random rnd = new Random(seed);
        files = new FileChannel[n];
        contents = new byte[n][];
        int[] fds = new int[n];
        for (int i = 0; i < n; i++) {
            contents[i] = new byte[rnd.nextInt(20001)];
            rnd.nextBytes(contents[i]);
            files[i] = FileChannel.open(Files.write(dir.resolve("f" + i), contents[i]));
            fds[i] = Fds.of(files[i]);
        }
        return fds;
    }

    @Test
    void sendsEveryItemInOrderToASocket() throws Exception {
        int n = 300;
        int[] fds = openFiles(n, 7);
        long[] offsets = new long[n];
        long[] lengths = new long[n];
        Random rnd = new Random(8);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (int i = 0; i < n; i++) {
            int len = contents[i].length;
            offsets[i] = len == 0 ? 0 : rnd.nextInt(len + 1);
            lengths[i] = len - offsets[i];
            expected.write(contents[i], (int) offsets[i], (int) lengths[i]);
        }
        try (Loopback pair = Loopback.open(0, 0)) {
            CompletableFuture<Received> rx = Drain.toEnd(pair.server);
            SendfileBatchResult r = KernelExperiments.sendfileBatch(Fds.of(pair.client), fds, offsets, lengths);
            pair.client.shutdownOutput();
            Received got = rx.get(60, TimeUnit.SECONDS);
            byte[] exp = expected.toByteArray();
            assertEquals(exp.length, r.bytes());
            assertEquals(n, r.itemsCompleted());
            assertArrayEquals(lengths, r.counts());
            assertEquals(exp.length, got.count());
            assertEquals(Hashing.of(exp, 0, exp.length), got.sha256());
        }
        for (FileChannel f : files) {
            assertEquals(0, f.position(), "file positions are not moved");
        }
    }

    @Test
    void stopsAtTheFirstShortItem() throws Exception {
        int[] fds = openFiles(4, 9);
        Path out = dir.resolve("out");
        long[] offsets = {0, 0, 0, 0};
        long[] lengths = {contents[0].length, contents[1].length + 100L, contents[2].length, contents[3].length};
        try (FileChannel o = FileChannel.open(out, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            long[] counts = new long[4];
            long total = KernelExperiments.sendfileBatch(Fds.of(o), fds, offsets, lengths, counts);
            assertEquals(contents[0].length + contents[1].length, total);
            assertArrayEquals(new long[] {contents[0].length, contents[1].length, 0, 0}, counts,
                    "item 1 is short (end of file): items 2 and 3 must not follow it into the stream");
        }
        ByteArrayOutputStream exp = new ByteArrayOutputStream();
        exp.write(contents[0]);
        exp.write(contents[1]);
        assertArrayEquals(exp.toByteArray(), Files.readAllBytes(out));
        SendfileBatchResult r;
        try (FileChannel o = FileChannel.open(out, StandardOpenOption.WRITE)) {
            r = KernelExperiments.sendfileBatch(Fds.of(o), fds, offsets, lengths);
        }
        assertEquals(1, r.itemsCompleted(), "item 1 is where it stopped");
    }

    @Test
    void failingItemIsNamedWithTheBytesMovedBeforeIt() throws Exception {
        int[] fds = openFiles(3, 10);
        int closedFd;
        try (FileChannel extra = FileChannel.open(Files.write(dir.resolve("gone"), new byte[10]))) {
            closedFd = Fds.of(extra);
        }
        // fd numbers are reused: make sure nothing else took closedFd before relying on EBADF
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.exists(Path.of("/proc/self/fd/" + closedFd)), "fd was reused");
        int[] ins = {fds[0], fds[1], closedFd, fds[2]};
        long[] offsets = {0, 0, 0, 0};
        long[] lengths = {contents[0].length, contents[1].length, 10, contents[2].length};
        Path out = dir.resolve("out");
        try (FileChannel o = FileChannel.open(out, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            SendfileBatchException e = assertThrows(SendfileBatchException.class,
                    () -> KernelExperiments.sendfileBatch(Fds.of(o), ins, offsets, lengths));
            assertEquals(2, e.item());
            assertEquals("EBADF", e.errnoName());
            assertEquals(contents[0].length + contents[1].length, e.bytesTransferred());
            assertArrayEquals(new long[] {contents[0].length, contents[1].length, 0, 0}, e.counts());
        }
        assertEquals(contents[0].length + contents[1].length, Files.size(out));
    }

    @Test
    void arraysMustAgree() {
        assertThrows(IllegalArgumentException.class,
                () -> KernelExperiments.sendfileBatch(1, new int[2], new long[1], new long[2]));
        assertThrows(IllegalArgumentException.class,
                () -> KernelExperiments.sendfileBatch(1, new int[1], new long[] {-1}, new long[1]));
        assertThrows(IllegalArgumentException.class,
                () -> KernelExperiments.sendfileBatch(1, new int[2], new long[2], new long[2], new long[1]));
    }

    @Test
    void emptyBatchMovesNothing() throws Exception {
        SendfileBatchResult r = KernelExperiments.sendfileBatch(1, new int[0], new long[0], new long[0]);
        assertEquals(0, r.bytes());
        assertEquals(0, r.itemsCompleted());
    }
}
