package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import dev.zerocopy.testkit.Sources;

/**
 * One error convention for every public method that reaches native code: each failure reports
 * the syscall that failed and the bytes moved by THAT call, never what an earlier call left in the
 * thread's state. Every case first makes a successful transfer of {@value #EARLIER} bytes on the
 * same thread, then forces its method's failure for real. On the code before the convention,
 * the TCP segment counter (now TcpInfo.of) said "failed in none: ENOTSOCK ..., 12345 bytes transferred" (the earlier
 * call's syscall and count), as did the channel layer's fd duplicate.
 */
class ErrorConventionTest {
    static final int EARLIER = 12345;

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();
    private int src;
    private int devNull;
    private int readOnlyFile;
    private int pipeRead;
    private int pipeWrite;
    private int closed;

    @BeforeEach
    void open() throws Exception {
        Path file = Sources.random(dir, "src", 64 * 1024, 5);
        FileChannel in = track(FileChannel.open(file));
        FileChannel out = track(FileChannel.open(Path.of("/dev/null"), StandardOpenOption.WRITE));
        FileChannel ro = track(FileChannel.open(file));
        Pipe pipe = Pipe.open();
        track(pipe.source());
        track(pipe.sink());
        src = Fds.of(in);
        devNull = Fds.of(out);
        readOnlyFile = Fds.of(ro);
        pipeRead = Fds.of(pipe.source());
        pipeWrite = Fds.of(pipe.sink());
        closed = 1_000_000; // above RLIMIT_NOFILE here: never open, so EBADF
    }

    private <T extends AutoCloseable> T track(T c) {
        open.add(c);
        return c;
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private DynamicTest failure(String name, String syscall, String errno, Executable call) {
        return DynamicTest.dynamicTest(name, () -> {
            assertEquals(EARLIER, NativeZeroCopy.sendfile(src, devNull, 0, EARLIER), "the earlier, successful call");
            ErrnoException e = assertThrows(ErrnoException.class, call, name);
            assertEquals(syscall, e.syscall(), e.getMessage());
            assertEquals(errno, e.errnoName(), e.getMessage());
            assertEquals(0, e.bytesTransferred(), e.getMessage());
            assertFalse(e.getMessage().contains(EARLIER + " bytes"), "stale count in: " + e.getMessage());
            assertFalse(e.getMessage().contains(" in none"), "stale syscall in: " + e.getMessage());
        });
    }

    @TestFactory
    Stream<DynamicTest> everyPublicMethodReportsItsOwnFailure() {
        ByteBuffer header = ByteBuffer.allocateDirect(16);
        return Stream.of(
                failure("sendfile", "sendfile", "EBADF", () -> NativeZeroCopy.sendfile(src, closed, 0, 100)),
                failure("splice", "splice", "EBADF", () -> NativeZeroCopy.splice(src, closed, 0, 100)),
                failure("mmapWrite", "mmap", "ENODEV", () -> NativeZeroCopy.mmapWrite(pipeRead, devNull, 0, 100)),
                failure("readWrite", "pread", "ESPIPE", () -> NativeZeroCopy.readWrite(pipeRead, devNull, 0, 100)),
                failure("copyFileRange", "copy_file_range", "EINVAL", () -> NativeZeroCopy.copyFileRange(src, devNull, 0, 100)),
                failure("transfer", "sendfile", "EBADF", () -> NativeZeroCopy.transfer(TransferMethod.SENDFILE, src, closed, 0, 100)),
                failure("transferNonBlocking", "splice", "EBADF",
                        () -> NativeZeroCopy.transferNonBlocking(TransferMethod.SPLICE, src, closed, 0, 100)),
                failure("measure", "sendfile", "EBADF", () -> Measurement.measure(TransferMethod.SENDFILE, src, closed, 0, 100)),
                failure("TcpInfo.of", "getsockopt", "ENOTSOCK", () -> TcpInfo.of(src)),
                failure("ThreadAffinity.pinCurrentThread", "sched_setaffinity", "EINVAL", () -> ThreadAffinity.pinCurrentThread(-1)),
                failure("NetDevices.offloads", "ioctl", "ENODEV", () -> NetDevices.offloads("zcnodev0")),
                failure("MappedSource.map", "mmap", "ENODEV", () -> MappedSource.map(pipeRead, 100)),
                failure("mmapSendZeroCopy", "setsockopt", "ENOTSOCK", () -> KernelExperiments.mmapSendZeroCopy(src, devNull, 0, 100)),
                failure("sendfileBatch", "sendfile", "EBADF",
                        () -> KernelExperiments.sendfileBatch(closed, new int[] {src}, new long[] {0}, new long[] {100})),
                failure("sendWithHeader", "write", "EBADF", () -> KernelExperiments.sendWithHeader(closed, header, src, 0, 100, null)),
                failure("tee", "tee", "EINVAL", () -> KernelExperiments.tee(src, pipeWrite, 100, true)),
                failure("vmsplice", "vmsplice", "EBADF",
                        () -> KernelExperiments.vmsplice(readOnlyFile, ByteBuffer.allocateDirect(8), true)),
                failure("spliceStream", "splice", "EINVAL", () -> KernelExperiments.spliceStream(src, devNull, 100, true)));
    }

    @TestFactory
    Stream<DynamicTest> aBatchFailureIsAnErrnoExceptionWithItsItem() {
        return Stream.of(DynamicTest.dynamicTest("sendfileBatch", () -> {
            assertEquals(EARLIER, NativeZeroCopy.sendfile(src, devNull, 0, EARLIER));
            ErrnoException e = assertThrows(ErrnoException.class, () -> KernelExperiments.sendfileBatch(devNull,
                    new int[] {src, closed}, new long[] {0, 0}, new long[] {100, 100}));
            SendfileBatchException batch = assertInstanceOf(SendfileBatchException.class, e);
            assertEquals(1, batch.item());
            assertEquals(100, batch.bytesTransferred(), "item 0 moved in full before item 1 failed");
            assertEquals("sendfile", batch.syscall());
        }));
    }
}
