package dev.zerocopy.hazards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerocopy.ErrnoException;
import dev.zerocopy.NativeZeroCopy;
import dev.zerocopy.TransferMethod;
import dev.zerocopy.testkit.Libc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Failures forced for real, each with the exact errno and syscall the kernel gives on Linux 6.x
 * (man pages of sendfile(2), splice(2), mmap(2), pread(2), write(2), copy_file_range(2)).
 * Shared by the errno-exactness, leak and soak tests. The descriptors are owned here.
 */
final class Failures implements AutoCloseable {
    /** errno numbers of Linux x86_64 (asm-generic/errno-base.h), to check ErrnoException.errno() against the name. */
    static final Map<String, Integer> ERRNO = Map.of("EACCES", 13, "EBADF", 9, "EINVAL", 22, "EISDIR", 21, "ENODEV", 19,
            "ENOSPC", 28, "EPIPE", 32, "ESPIPE", 29, "EXDEV", 18);

    /** One forced failure: a call and what it must report. */
    record Case(String name, TransferMethod method, int fdIn, int fdOut, String errno, String syscall) {
        void assertFails() {
            ErrnoException e = assertThrows(ErrnoException.class,
                    () -> NativeZeroCopy.transfer(method, fdIn, fdOut, 0, 1 << 20), name);
            assertReports(e, name, errno, syscall, 0);
        }
    }

    /**
     * e reports errno (name and number), the failing syscall, exactly {@code bytes} moved before
     * it (from this call only, never a stale count), and says so in its message, which ends with
     * the C library's text for the errno.
     */
    static void assertReports(ErrnoException e, String what, String errno, String syscall, long bytes) {
        String m = what + ": " + e.getMessage();
        assertEquals(errno, e.errnoName(), m);
        assertEquals(ERRNO.get(errno), e.errno(), m);
        assertEquals(syscall, e.syscall(), m);
        assertEquals(bytes, e.bytesTransferred(), m);
        assertTrue(e.getMessage().endsWith(": " + errno + " (" + Libc.LIBC.strerror(e.errno()) + "), " + bytes + " bytes transferred"), m);
    }

    final int src;
    final int devNull;
    private final List<Integer> owned = new ArrayList<>();
    final List<Case> cases = new ArrayList<>();

    Failures(Path dir, Path source) throws IOException {
        src = open(source.toString(), Libc.O_RDONLY);
        devNull = open("/dev/null", Libc.O_WRONLY);
        int devFull = open("/dev/full", Libc.O_WRONLY);
        Path appendFile = Files.createFile(dir.resolve("append-" + System.nanoTime()));
        int append = open(appendFile.toString(), Libc.O_WRONLY | Libc.O_APPEND);
        int writeOnly = open(source.toString(), Libc.O_WRONLY); // non-empty, so mmap is reached
        int directory = open(dir.toString(), Libc.O_RDONLY);
        int[] pipe = Libc.pipe();
        owned.add(pipe[0]);
        owned.add(pipe[1]);
        int[] broken = Libc.pipe();
        Libc.closeQuietly(broken[0]); // no reader: writes give EPIPE (HotSpot ignores SIGPIPE)
        owned.add(broken[1]);
        int bad = Integer.MAX_VALUE; // above any RLIMIT_NOFILE: never an open fd

        cases.add(new Case("sendfile to a bad fd", TransferMethod.SENDFILE, src, bad, "EBADF", "sendfile"));
        cases.add(new Case("sendfile to an O_APPEND file", TransferMethod.SENDFILE, src, append, "EINVAL", "sendfile"));
        cases.add(new Case("sendfile to a pipe without reader", TransferMethod.SENDFILE, src, broken[1], "EPIPE", "sendfile"));
        cases.add(new Case("splice to a pipe without reader", TransferMethod.SPLICE, src, broken[1], "EPIPE", "splice"));
        cases.add(new Case("splice to an O_APPEND file", TransferMethod.SPLICE, src, append, "EINVAL", "splice"));
        cases.add(new Case("splice from a directory", TransferMethod.SPLICE, directory, devNull, "EINVAL", "splice"));
        cases.add(new Case("splice from a pipe at an offset", TransferMethod.SPLICE, pipe[0], devNull, "ESPIPE", "splice"));
        cases.add(new Case("read+write from a bad fd", TransferMethod.READ_WRITE, bad, devNull, "EBADF", "pread"));
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
        cases.add(new Case("copy_file_range to a pipe", TransferMethod.COPY_FILE_RANGE, src, pipe[1], "EINVAL", "copy_file_range"));
        cases.add(new Case("copy_file_range from /proc", TransferMethod.COPY_FILE_RANGE,
                open("/proc/version", Libc.O_RDONLY), open(appendFile.toString(), Libc.O_WRONLY), "EXDEV", "copy_file_range"));
    }

    private int open(String path, int flags) {
        int fd = Libc.open(path, flags);
        owned.add(fd);
        return fd;
    }

    @Override
    public void close() {
        for (int fd : owned) {
            Libc.closeQuietly(fd);
        }
    }
}
