package dev.zerocopy.hazards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

import dev.zerocopy.ErrnoException;
import dev.zerocopy.NativeZeroCopy;
import dev.zerocopy.TransferMethod;

/**
 * Failures forced for real, each with the exact errno and syscall the kernel gives on Linux 6.x
 * (man pages of sendfile(2), splice(2), mmap(2), pread(2), write(2), copy_file_range(2)).
 * Shared by the errno-exactness and the leak tests. The descriptors are owned here.
 */
final class Failures implements AutoCloseable {
    /** One forced failure: a call and what it must report. */
    record Case(String name, TransferMethod method, int fdIn, int fdOut, String errno, String syscall) {
        void assertFails() {
            ErrnoException e = assertThrows(ErrnoException.class,
                    () -> NativeZeroCopy.transfer(method, fdIn, fdOut, 0, 1 << 20), name);
            assertEquals(errno, e.errnoName(), name + ": " + e.getMessage());
            assertEquals(syscall, e.syscall(), name + ": " + e.getMessage());
            assertEquals(0, e.bytesTransferred(), name + ": bytes from this call only, not a stale count");
            assertTrue(e.getMessage().contains(errno), e.getMessage());
        }
    }

    final int src;
    final int devNull;
    private final List<Integer> owned = new ArrayList<>();
    final List<Case> cases = new ArrayList<>();

    Failures(Path dir, Path source) throws IOException {
        src = open(source.toString(), Support.LibC.O_RDONLY);
        devNull = open("/dev/null", Support.LibC.O_WRONLY);
        int devFull = open("/dev/full", Support.LibC.O_WRONLY);
        Path appendFile = Files.createFile(dir.resolve("append-" + System.nanoTime()));
        int append = open(appendFile.toString(), Support.LibC.O_WRONLY | Support.LibC.O_APPEND);
        int writeOnly = open(source.toString(), Support.LibC.O_WRONLY); // non-empty, so mmap is reached
        int directory = open(dir.toString(), Support.LibC.O_RDONLY);
        int[] pipe = Support.pipe();
        owned.add(pipe[0]);
        owned.add(pipe[1]);
        int[] broken = Support.pipe();
        Support.closeQuietly(broken[0]); // no reader: writes give EPIPE (HotSpot ignores SIGPIPE)
        owned.add(broken[1]);
        int bad = Integer.MAX_VALUE; // above any RLIMIT_NOFILE: never an open fd

        cases.add(new Case("sendfile to a bad fd", TransferMethod.SENDFILE, src, bad, "EBADF", "sendfile"));
        cases.add(new Case("sendfile to an O_APPEND file", TransferMethod.SENDFILE, src, append, "EINVAL", "sendfile"));
        cases.add(new Case("sendfile to a pipe without reader", TransferMethod.SENDFILE, src, broken[1], "EPIPE", "sendfile"));
        cases.add(new Case("splice to a pipe without reader", TransferMethod.SPLICE, src, broken[1], "EPIPE", "splice"));
        cases.add(new Case("splice to an O_APPEND file", TransferMethod.SPLICE, src, append, "EINVAL", "splice"));
        cases.add(new Case("splice from a directory", TransferMethod.SPLICE, directory, devNull, "EINVAL", "splice"));
        cases.add(new Case("read+write to /dev/full", TransferMethod.READ_WRITE, src, devFull, "ENOSPC", "write"));
        cases.add(new Case("read+write from a pipe", TransferMethod.READ_WRITE, pipe[0], devNull, "ESPIPE", "pread"));
        cases.add(new Case("read+write from a directory", TransferMethod.READ_WRITE, directory, devNull, "EISDIR", "pread"));
        cases.add(new Case("read+write to a pipe without reader", TransferMethod.READ_WRITE, src, broken[1], "EPIPE", "write"));
        cases.add(new Case("mmap+write from a pipe", TransferMethod.MMAP_WRITE, pipe[0], devNull, "ENODEV", "mmap"));
        cases.add(new Case("mmap+write from a write-only fd", TransferMethod.MMAP_WRITE, writeOnly, devNull, "EACCES", "mmap"));
        cases.add(new Case("mmap+write to /dev/full", TransferMethod.MMAP_WRITE, src, devFull, "ENOSPC", "write"));
        cases.add(new Case("mmap+write to a pipe without reader", TransferMethod.MMAP_WRITE, src, broken[1], "EPIPE", "write"));
        cases.add(new Case("mmap+write from a bad fd", TransferMethod.MMAP_WRITE, bad, devNull, "EBADF", "fstat"));
        cases.add(new Case("copy_file_range to an O_APPEND file", TransferMethod.COPY_FILE_RANGE, src, append, "EBADF", "copy_file_range"));
        cases.add(new Case("copy_file_range to a char device", TransferMethod.COPY_FILE_RANGE, src, devNull, "EINVAL", "copy_file_range"));
        cases.add(new Case("copy_file_range from /proc", TransferMethod.COPY_FILE_RANGE,
                open("/proc/version", Support.LibC.O_RDONLY), open(appendFile.toString(), Support.LibC.O_WRONLY), "EXDEV", "copy_file_range"));
    }

    private int open(String path, int flags) {
        int fd = Support.LIBC.open(path, flags | Support.LibC.O_CLOEXEC, 0);
        if (fd < 0) {
            throw new IllegalStateException("open " + path);
        }
        owned.add(fd);
        return fd;
    }

    static boolean tmpfsAvailable() {
        return Files.isDirectory(Paths.get("/dev/shm"));
    }

    @Override
    public void close() {
        for (int fd : owned) {
            Support.closeQuietly(fd);
        }
    }
}
