package dev.zerocopy;

import dev.zerocopy.testkit.Sources;
import dev.zerocopy.testkit.Hashing;
import dev.zerocopy.testkit.VmspliceProducer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.zerocopy.testkit.Drain;
import dev.zerocopy.testkit.Received;

/** tee(2), vmsplice(2) and pipe splice: a stream duplicated to two consumers without a copy. */
class TeeVmspliceTest {
    @TempDir
    Path dir;

    @Test
    void teeDuplicatesAStreamToTwoConsumers() throws Exception {
        byte[] data = Sources.randomBytes(8 * 1024 * 1024 + 321, 11);
        Pipe input = Pipe.open();   // producer -> (tee) -> consumer A (a file, by splice)
        Pipe copy = Pipe.open();    // tee'd duplicate -> consumer B (a reader hashing)
        Path fileA = dir.resolve("a");
        try (Pipe.SinkChannel inSink = input.sink(); Pipe.SourceChannel inSource = input.source();
             Pipe.SinkChannel copySink = copy.sink(); Pipe.SourceChannel copySource = copy.source();
             FileChannel a = FileChannel.open(fileA, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            int inRead = Fds.of(inSource);
            int copyWrite = Fds.of(copySink);
            int fileFd = Fds.of(a);
            CompletableFuture<Received> consumerB = Drain.toEnd(copySource);
            // The producer puts its bytes into the pipe by page reference (vmsplice). The buffer is
            // never changed afterwards, as the lifetime rule requires.
            ByteBuffer src = ByteBuffer.allocateDirect(data.length).put(data).flip();
            Thread producer = VmspliceProducer.start(inSink, src);
            long total = 0;
            for (;;) {
                long n = KernelExperiments.tee(inRead, copyWrite, Long.MAX_VALUE, false);
                if (n == 0) {
                    break; // empty, and the producer closed its end
                }
                // Consume exactly what was duplicated, so the next tee sees new bytes only.
                assertEquals(n, KernelExperiments.spliceStream(inRead, fileFd, n, false));
                total += n;
            }
            producer.join();
            copySink.close();
            assertEquals(data.length, total);
            Received b = consumerB.get(60, TimeUnit.SECONDS);
            assertEquals(data.length, b.count());
            assertEquals(Hashing.of(data, 0, data.length), b.sha256(), "consumer B");
        }
        assertArrayEquals(data, Files.readAllBytes(fileA), "consumer A");
    }

    @Test
    void teeOfAnEmptyPipeIsEagainWhenNonBlocking() throws Exception {
        Pipe p = Pipe.open();
        Pipe q = Pipe.open();
        try (Pipe.SinkChannel s = p.sink(); Pipe.SourceChannel r = p.source(); Pipe.SinkChannel s2 = q.sink();
             Pipe.SourceChannel r2 = q.source()) {
            ErrnoException e = assertThrows(ErrnoException.class,
                    () -> KernelExperiments.tee(Fds.of(r), Fds.of(s2), 4096, true));
            assertEquals("EAGAIN", e.errnoName());
            assertEquals("tee", e.syscall());
        }
    }

    @Test
    void teeFromAFileIsEinval() throws Exception {
        Path f = Files.write(dir.resolve("f"), new byte[100]);
        Pipe q = Pipe.open();
        try (FileChannel in = FileChannel.open(f); Pipe.SinkChannel s2 = q.sink(); Pipe.SourceChannel r2 = q.source()) {
            ErrnoException e = assertThrows(ErrnoException.class,
                    () -> KernelExperiments.tee(Fds.of(in), Fds.of(s2), 100, false));
            assertEquals("EINVAL", e.errnoName(), "tee(2): fd_in and fd_out must both be pipes");
        }
    }

    @Test
    void vmspliceIntoAFullNonBlockingPipeStopsShort() throws Exception {
        Pipe p = Pipe.open();
        try (Pipe.SinkChannel s = p.sink(); Pipe.SourceChannel r = p.source()) {
            ByteBuffer big = ByteBuffer.allocateDirect(4 * 1024 * 1024);
            long n = KernelExperiments.vmsplice(Fds.of(s), big, true);
            assertEquals(n, big.position());
            assertEquals(true, n > 0 && n < big.capacity(), "a pipe holds far less than 4 MiB: " + n);
            assertThrows(IllegalArgumentException.class, () -> KernelExperiments.vmsplice(Fds.of(s), ByteBuffer.allocate(1), true));
        }
    }

    @Test
    void vmspliceToAReadEndIsEbadf() throws Exception {
        Pipe p = Pipe.open();
        try (Pipe.SinkChannel s = p.sink(); Pipe.SourceChannel r = p.source()) {
            ErrnoException e = assertThrows(ErrnoException.class,
                    () -> KernelExperiments.vmsplice(Fds.of(r), ByteBuffer.allocateDirect(10), false));
            assertEquals("EBADF", e.errnoName());
            assertEquals("vmsplice", e.syscall());
        }
    }
}
