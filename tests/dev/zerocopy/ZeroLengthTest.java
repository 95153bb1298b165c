package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerocopy.testkit.Targets;
import dev.zerocopy.testkit.Sources;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A length of 0 returns 0 without entering the kernel, whatever the descriptors are. */
class ZeroLengthTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(TransferMethod.class)
    void zeroLengthMakesNoSyscall(TransferMethod method) throws Exception {
        Path src = Sources.random(dir, "src", 10_000, 3);
        try (FileChannel in = FileChannel.open(src); Targets.Target out = Targets.open(Targets.Kind.FILE, dir)) {
            int fdIn = Fds.of(in);
            // The counter is live: a real transfer on this thread moves it.
            long before = Measurement.threadUsage().syscalls();
            assertEquals(10, NativeZeroCopy.transfer(method, fdIn, out.fd(), 0, 10));
            assertTrue(Measurement.threadUsage().syscalls() > before, "a transfer of 10 bytes counted no syscall");

            long start = Measurement.threadUsage().syscalls();
            assertEquals(0, NativeZeroCopy.transfer(method, fdIn, out.fd(), 0, 0));
            assertEquals(0, NativeZeroCopy.transfer(method, fdIn, out.fd(), 20_000, 0));
            // Not even a bad descriptor is looked at: there is nothing to do.
            assertEquals(0, NativeZeroCopy.transfer(method, -1, -1, 0, 0));
            assertEquals(0, NativeZeroCopy.transfer(method, Integer.MAX_VALUE, fdIn, Long.MAX_VALUE, 0));
            assertEquals(start, Measurement.threadUsage().syscalls(), "a length of 0 made a syscall");
            assertEquals(10, out.finish().count());
        }
    }
}
