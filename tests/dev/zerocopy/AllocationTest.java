package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The plain transfer methods allocate nothing on the Java heap once warm (the JMH suite shows the
 * same with -prof gc); measure() allocates only its MeasureResult. Counted with the calling
 * thread's allocated-bytes counter, so other threads (JIT, GC) do not matter. Not a timing test.
 */
class AllocationTest {
    private static final int CALLS = 20_000;

    @TempDir
    Path dir;

    private static long allocatedBytes() {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "HotSpot allocation counters");
        com.sun.management.ThreadMXBean hs = (com.sun.management.ThreadMXBean) bean;
        assumeTrue(hs.isThreadAllocatedMemorySupported() && hs.isThreadAllocatedMemoryEnabled());
        return hs.getThreadAllocatedBytes(Thread.currentThread().getId());
    }

    @ParameterizedTest
    @EnumSource(value = TransferMethod.class, names = {"READ_WRITE", "MMAP_WRITE", "SENDFILE", "SPLICE"})
    void plainTransfersAllocateNothingOnceWarm(TransferMethod method) throws Exception {
        Path src = Files.write(dir.resolve("src"), new byte[64 * 1024]);
        try (FileChannel in = FileChannel.open(src);
             FileChannel out = FileChannel.open(Paths.get("/dev/null"), StandardOpenOption.WRITE)) {
            int fdIn = Fds.of(in);
            int fdOut = Fds.of(out);
            long sum = 0;
            for (int i = 0; i < CALLS; i++) { // warm: jnr-ffi's first-call setup, the JIT
                sum += NativeZeroCopy.transfer(method, fdIn, fdOut, 0, 4096);
            }
            // Measured twice: the counter itself may allocate on its first use in a thread.
            allocatedBytes();
            long before = allocatedBytes();
            for (int i = 0; i < CALLS; i++) {
                sum += NativeZeroCopy.transfer(method, fdIn, fdOut, 0, 4096);
            }
            long allocated = allocatedBytes() - before;
            assertEquals(2L * CALLS * 4096, sum);
            // Zero per call: a few hundred bytes in total could only come from the counter call itself.
            assertTrue(allocated < 1024, method + " allocated " + allocated + " bytes over " + CALLS + " calls");
        }
    }

    @ParameterizedTest
    @EnumSource(value = TransferMethod.class, names = {"SENDFILE", "READ_WRITE"})
    void measureAllocatesOnlyItsResult(TransferMethod method) throws Exception {
        Path src = Files.write(dir.resolve("src"), new byte[64 * 1024]);
        try (FileChannel in = FileChannel.open(src);
             FileChannel out = FileChannel.open(Paths.get("/dev/null"), StandardOpenOption.WRITE)) {
            int fdIn = Fds.of(in);
            int fdOut = Fds.of(out);
            for (int i = 0; i < CALLS; i++) {
                Measurement.measure(method, fdIn, fdOut, 0, 4096);
            }
            allocatedBytes();
            long before = allocatedBytes();
            for (int i = 0; i < CALLS; i++) {
                Measurement.measure(method, fdIn, fdOut, 0, 4096);
            }
            long perCall = (allocatedBytes() - before) / CALLS;
            // A MeasureResult is a header, an enum reference, ten longs and two ints: under 128 bytes.
            assertTrue(perCall <= 128, "measure() allocated " + perCall + " bytes per call");
        }
    }
}
