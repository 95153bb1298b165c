package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerocopy.testkit.Targets;
import dev.zerocopy.testkit.Methods;
import dev.zerocopy.testkit.Hashing;
import dev.zerocopy.testkit.Sources;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Wrong arguments and descriptors fail the same way each time, with the exact errno and syscall. */
class BadInputTest {
    @TempDir
    Path dir;

    /** Asserts e is errno `name` from `syscall`, with nothing transferred and the call spelled out in the message. */
    static void assertErrno(ErrnoException e, String name, int errno, String syscall, String operation, int in, int out, long offset, long length) {
        assertEquals(name, e.errnoName(), e::getMessage);
        assertEquals(errno, e.errno(), e::getMessage);
        assertEquals(syscall, e.syscall(), e::getMessage);
        assertEquals(0, e.bytesTransferred(), e::getMessage);
        String call = operation + "(in=" + in + ", out=" + out + ", offset=" + offset + ", length=" + length + ") failed";
        assertTrue(e.getMessage().startsWith(call), e.getMessage());
        assertTrue(e.getMessage().contains(" " + name + " ("), e.getMessage());
        if (!syscall.equals(operation)) {
            assertTrue(e.getMessage().contains(" in " + syscall + ": "), e.getMessage());
        }
    }

    static String operation(TransferMethod m) {
        return Map.of(TransferMethod.READ_WRITE, "readWrite", TransferMethod.MMAP_WRITE, "mmapWrite",
                TransferMethod.SENDFILE, "sendfile", TransferMethod.SPLICE, "splice",
                TransferMethod.COPY_FILE_RANGE, "copy_file_range").get(m);
    }

    /** The syscall that reads the source in each method. */
    static String readCall(TransferMethod m) {
        return Map.of(TransferMethod.READ_WRITE, "pread", TransferMethod.MMAP_WRITE, "fstat",
                TransferMethod.SENDFILE, "sendfile", TransferMethod.SPLICE, "splice",
                TransferMethod.COPY_FILE_RANGE, "copy_file_range").get(m);
    }

    @ParameterizedTest
    @EnumSource(TransferMethod.class)
    void negativeOffsetOrLength(TransferMethod method) throws ErrnoException {
        long before = Measurement.threadUsage().syscalls();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NativeZeroCopy.transfer(method, 0, 1, -1, 10));
        assertEquals("negative offset: -1", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> NativeZeroCopy.transfer(method, 0, 1, 0, -5));
        assertEquals("negative length: -5", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> NativeZeroCopy.transfer(method, 0, 1, Long.MIN_VALUE, 0));
        assertThrows(IllegalArgumentException.class, () -> NativeZeroCopy.transfer(method, 0, 1, 0, Long.MIN_VALUE));
        assertEquals(before, Measurement.threadUsage().syscalls(), "rejected arguments reached the kernel");
        assertThrows(NullPointerException.class, () -> NativeZeroCopy.transfer(null, 0, 1, 0, 1));
    }

    @ParameterizedTest
    @EnumSource(TransferMethod.class)
    void sourceNotOpen(TransferMethod method) throws Exception {
        try (Targets.Target out = Targets.open(Targets.Kind.FILE, dir)) {
            int in = Methods.notOpen();
            ErrnoException e = assertThrows(ErrnoException.class, () -> NativeZeroCopy.transfer(method, in, out.fd(), 0, 100));
            assertErrno(e, "EBADF", 9, readCall(method), operation(method), in, out.fd(), 0, 100);
            assertEquals(0, out.finish().count());
        }
    }

    @ParameterizedTest
    @EnumSource(TransferMethod.class)
    void closedSourceAndTarget(TransferMethod method) throws Exception {
        Path src = Sources.random(dir, "src", 5000, 1);
        FileChannel closed = FileChannel.open(src);
        int closedFd = Fds.of(closed);
        closed.close();
        try (FileChannel in = FileChannel.open(src); Targets.Target out = Targets.open(Targets.Kind.FILE, dir)) {
            int stale = closedFd == Fds.of(in) ? Methods.notOpen() : closedFd; // the number may be reused at once
            assertFalse(Files.exists(Path.of("/proc/self/fd/" + stale)));
            ErrnoException e = assertThrows(ErrnoException.class, () -> NativeZeroCopy.transfer(method, stale, out.fd(), 7, 100));
            assertErrno(e, "EBADF", 9, readCall(method), operation(method), stale, out.fd(), 7, 100);
            int fdIn = Fds.of(in);
            e = assertThrows(ErrnoException.class, () -> NativeZeroCopy.transfer(method, fdIn, stale, 7, 100));
            assertErrno(e, "EBADF", 9, Methods.writeCall(method), operation(method), fdIn, stale, 7, 100);
            assertEquals(0, out.finish().count());
        }
    }

    /** A target opened read-only: EBADF from the call that writes (sendfile(2), splice(2), write(2), copy_file_range(2)). */
    @ParameterizedTest
    @EnumSource(TransferMethod.class)
    void targetOpenedReadOnly(TransferMethod method) throws Exception {
        Path src = Sources.random(dir, "src", 5000, 1);
        Path dst = Files.write(dir.resolve("dst"), new byte[0]);
        try (FileChannel in = FileChannel.open(src); FileChannel out = FileChannel.open(dst)) {
            int fdIn = Fds.of(in);
            int fdOut = Fds.of(out);
            ErrnoException e = assertThrows(ErrnoException.class, () -> NativeZeroCopy.transfer(method, fdIn, fdOut, 0, 5000));
            assertErrno(e, "EBADF", 9, Methods.writeCall(method), operation(method), fdIn, fdOut, 0, 5000);
        }
        assertEquals(0, Files.size(dst));
    }

    /**
     * A socket or pipe as fdIn. The errno is the kernel's: mmap+write reports ENODEV (what mmap(2)
     * answers for a socket), pread(2) and sendfile(2) ESPIPE, splice(2) with an offset ESPIPE
     * from a pipe but EINVAL from a socket (do_splice: the file lacks FMODE_PREAD),
     * copy_file_range(2) EINVAL (it takes regular files only).
     */
    @ParameterizedTest
    @EnumSource(value = Targets.Kind.class, names = {"PIPE", "TCP", "UNIX"})
    void streamAsSource(Targets.Kind kind) throws Exception {
        Map<TransferMethod, String> expected = Map.of(TransferMethod.READ_WRITE, "ESPIPE", TransferMethod.MMAP_WRITE, "ENODEV",
                TransferMethod.SENDFILE, "ESPIPE", TransferMethod.SPLICE, kind == Targets.Kind.PIPE ? "ESPIPE" : "EINVAL", TransferMethod.COPY_FILE_RANGE, "EINVAL");
        Map<String, Integer> numbers = Map.of("ESPIPE", 29, "ENODEV", 19, "EINVAL", 22);
        Map<TransferMethod, String> syscall = Map.of(TransferMethod.READ_WRITE, "pread", TransferMethod.MMAP_WRITE, "mmap",
                TransferMethod.SENDFILE, "sendfile", TransferMethod.SPLICE, "splice", TransferMethod.COPY_FILE_RANGE, "copy_file_range");
        // A readable stream as the source: the socket of a connection, or a pipe's read end.
        java.nio.channels.Pipe pipe = java.nio.channels.Pipe.open();
        try (Targets.Target stream = Targets.open(kind, dir); Targets.Target out = Targets.open(Targets.Kind.FILE, dir);
             java.nio.channels.Pipe.SourceChannel source = pipe.source(); java.nio.channels.Pipe.SinkChannel sink = pipe.sink()) {
            int in = kind == Targets.Kind.PIPE ? Fds.of(source) : stream.fd();
            for (TransferMethod method : TransferMethod.values()) {
                ErrnoException e = assertThrows(ErrnoException.class, () -> NativeZeroCopy.transfer(method, in, out.fd(), 0, 100), method::toString);
                String name = expected.get(method);
                assertErrno(e, name, numbers.get(name), syscall.get(method), operation(method), in, out.fd(), 0, 100);
            }
            assertEquals(0, out.finish().count());
        }
    }

    /**
     * An O_APPEND target (HAZARDS 5): write(2) appends, so read+write and mmap+write work;
     * sendfile(2) and splice(2) refuse with EINVAL, copy_file_range(2) with EBADF.
     */
    @ParameterizedTest
    @EnumSource(TransferMethod.class)
    void appendingTarget(TransferMethod method) throws Exception {
        byte[] data = Sources.randomBytes(5000, 2);
        Path src = Files.write(dir.resolve("src"), data);
        Path dst = Files.write(dir.resolve("dst"), new byte[] {1, 2, 3});
        try (FileChannel in = FileChannel.open(src);
             FileChannel out = FileChannel.open(dst, java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.APPEND)) {
            int fdIn = Fds.of(in);
            int fdOut = Fds.of(out);
            switch (method) {
                case READ_WRITE:
                case MMAP_WRITE:
                    assertEquals(4000, NativeZeroCopy.transfer(method, fdIn, fdOut, 1000, 4000));
                    byte[] got = Files.readAllBytes(dst);
                    assertEquals(4003, got.length);
                    assertEquals(Hashing.of(data, 1000, 4000), Hashing.of(got, 3, 4000));
                    return;
                case SENDFILE:
                case SPLICE:
                    assertErrno(assertThrows(ErrnoException.class, () -> NativeZeroCopy.transfer(method, fdIn, fdOut, 1000, 4000)),
                            "EINVAL", 22, Methods.writeCall(method), operation(method), fdIn, fdOut, 1000, 4000);
                    break;
                default:
                    assertErrno(assertThrows(ErrnoException.class, () -> NativeZeroCopy.transfer(method, fdIn, fdOut, 1000, 4000)),
                            "EBADF", 9, Methods.writeCall(method), operation(method), fdIn, fdOut, 1000, 4000);
            }
        }
        assertEquals(3, Files.size(dst), "nothing was written");
    }
}
