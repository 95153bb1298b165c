package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerocopy.testkit.Sources;
import dev.zerocopy.testkit.Proc;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Errors are per thread (HAZARDS 12): many threads fail at once, each forcing a different errno,
 * and each sees its own errno, syscall and bytesTransferred, never a neighbour's. The shim
 * returns -errno and keeps the bytes moved in thread-local state, so nothing is shared to race on.
 */
class ErrnoThreadsTest {
    static final int ROUNDS = 2000;

    @TempDir
    Path dir;

    interface Failing {
        long call() throws Exception;
    }

    record Case(String errnoName, int errno, String syscall, Failing call) {
    }

    static void check(Case c, long bytes) {
        ErrnoException e = assertThrows(ErrnoException.class, c.call()::call, c.errnoName());
        assertEquals(c.errnoName(), e.errnoName(), e::getMessage);
        assertEquals(c.errno(), e.errno(), e::getMessage);
        assertEquals(c.syscall(), e.syscall(), e::getMessage);
        assertEquals(bytes, e.bytesTransferred(), e::getMessage);
        assertTrue(e.getMessage().endsWith(c.errnoName().equals("EPIPE") ? "EPIPE (Broken pipe), " + bytes + " bytes transferred"
                : " (" + strerror(c.errno()) + "), " + bytes + " bytes transferred"), e.getMessage());
    }

    static String strerror(int errno) {
        return NativeLibrary.shim().zc_strerror(errno);
    }

    @Test
    void eachThreadSeesItsOwnErrno() throws Exception {
        Path src = Sources.random(dir, "src", 1 << 20, 21);
        Path writeOnly = Sources.random(dir, "wo", 1 << 16, 22);
        Pipe pipe = Pipe.open();
        try (FileChannel in = FileChannel.open(src);
             FileChannel wo = FileChannel.open(writeOnly, StandardOpenOption.WRITE);
             FileChannel full = FileChannel.open(Path.of("/dev/full"), StandardOpenOption.WRITE);
             FileChannel out = FileChannel.open(dir.resolve("out"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
             Pipe.SourceChannel pipeIn = pipe.source(); Pipe.SinkChannel pipeOut = pipe.sink()) {
            int fdIn = Fds.of(in);
            int fdOut = Fds.of(out);
            int notOpen = BadInputTest.notOpen();
            List<Case> cases = List.of(
                    new Case("EBADF", 9, "pread", () -> NativeZeroCopy.readWrite(notOpen, fdOut, 0, 100)),
                    new Case("ESPIPE", 29, "splice", () -> NativeZeroCopy.splice(Fds.of(pipeIn), fdOut, 0, 100)),
                    new Case("ENODEV", 19, "mmap", () -> NativeZeroCopy.mmapWrite(Fds.of(pipeIn), fdOut, 0, 100)),
                    new Case("EINVAL", 22, "copy_file_range", () -> NativeZeroCopy.copyFileRange(fdIn, Fds.of(pipeOut), 0, 100)),
                    new Case("ENOSPC", 28, "write", () -> NativeZeroCopy.readWrite(fdIn, Fds.of(full), 0, 100)),
                    new Case("EACCES", 13, "mmap", () -> NativeZeroCopy.mmapWrite(Fds.of(wo), fdOut, 0, 100)));
            List<TransferMethod> epipe = Methods.streamMethods().toList();
            int threads = cases.size() + epipe.size();
            ExecutorService pool = Executors.newFixedThreadPool(threads + epipe.size());
            CyclicBarrier start = new CyclicBarrier(threads);
            try {
                List<Future<?>> results = new ArrayList<>();
                for (Case c : cases) {
                    results.add(pool.submit(() -> {
                        start.await();
                        for (int i = 0; i < ROUNDS; i++) {
                            check(c, 0);
                        }
                        return null;
                    }));
                }
                for (int i = 0; i < epipe.size(); i++) {
                    TransferMethod method = epipe.get(i);
                    int pagesTaken = i + 1;
                    results.add(pool.submit(() -> {
                        start.await();
                        for (int round = 0; round < 3; round++) {
                            brokenPipeWithBytes(method, fdIn, pagesTaken, pool);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : results) {
                    f.get(2, TimeUnit.MINUTES);
                }
            } finally {
                pool.shutdownNow();
                assertTrue(pool.awaitTermination(1, TimeUnit.MINUTES));
            }
        }
    }

    /**
     * EPIPE after a known number of bytes: a pipe of 16 pages (pipe(7) default) already holding
     * pagesTaken pages takes exactly 16 - pagesTaken more, then the writer blocks; closing the read
     * end then fails the next write with EPIPE, and bytesTransferred is what fit.
     */
    static void brokenPipeWithBytes(TransferMethod method, int fdIn, int pagesTaken, ExecutorService pool) throws Exception {
        Pipe pipe = Pipe.open();
        try (Pipe.SinkChannel sink = pipe.sink(); Pipe.SourceChannel source = pipe.source()) {
            ByteBuffer prefill = ByteBuffer.allocate(pagesTaken * 4096);
            while (prefill.hasRemaining()) {
                sink.write(prefill);
            }
            int tid = Proc.gettid();
            Future<?> closer = pool.submit(() -> {
                Proc.awaitBlockedInTransfer(tid);
                source.close();
                return null;
            });
            long fits = (16 - pagesTaken) * 4096L;
            Case c = new Case("EPIPE", 32, BadInputTest.writeCall(method),
                    () -> NativeZeroCopy.transfer(method, fdIn, Fds.of(sink), 0, 1 << 20));
            check(c, fits);
            closer.get(1, TimeUnit.MINUTES);
        }
    }
}
