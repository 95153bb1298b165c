package dev.zerocopy.hazards;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;

import dev.zerocopy.ErrnoException;
import dev.zerocopy.NativeZeroCopy;
import dev.zerocopy.TransferMethod;

/**
 * The main class of the child JVMs the hazard tests start (under strace, under a file size
 * limit, with a wrong library). It does one job and prints key=value lines that the test parses.
 *
 * <pre>
 * transfer METHOD SRC LENGTH CHUNK TARGET [DIR]
 *     TARGET = "pipe" (hashed by a reader thread) or a file path; with DIR, creates DIR/ready once
 *     started and waits for DIR/go before transferring (so strace can attach after JVM startup)
 * fsize SRC DSTDIR LENGTH                    every method to DSTDIR/METHOD, twice, under the caller's RLIMIT_FSIZE
 * load                                       is the library available, and what does a call throw
 * </pre>
 */
public final class HazardChild {
    private HazardChild() {
    }

    public static void main(String[] args) throws Exception {
        StringBuilder out = new StringBuilder();
        switch (args[0]) {
            case "transfer" -> transfer(args, out);
            case "fsize" -> fsize(args, out);
            case "load" -> load(out);
            default -> throw new IllegalArgumentException(args[0]);
        }
        out.append("alive=true\n");
        // One write, so an injected EINTR on write(2) meets the JDK's retry once at most.
        System.out.print(out);
        System.out.flush();
    }

    private static void transfer(String[] args, StringBuilder out) throws Exception {
        TransferMethod method = TransferMethod.valueOf(args[1]);
        Path src = Paths.get(args[2]);
        long length = Long.parseLong(args[3]);
        long chunk = Long.parseLong(args[4]);
        String target = args[5];
        if (args.length > 6) {
            // A full rehearsal first, so every class the measured run needs is loaded: HotSpot reads
            // class files with pread64 and does not retry EINTR there (a ClassFormatError).
            String[] rehearsal = Arrays.copyOf(args, 6);
            if (!target.equals("pipe")) {
                rehearsal[5] = target + ".rehearsal";
            }
            transfer(rehearsal, new StringBuilder());
            handshake(Paths.get(args[6]));
        }
        long syscalls0 = NativeZeroCopy.threadSyscalls();
        try (FileChannel in = FileChannel.open(src)) {
            int fdIn = NativeZeroCopy.fd(in);
            if (target.equals("pipe")) {
                Pipe pipe = Pipe.open();
                CompletableFuture<String> hash = CompletableFuture.supplyAsync(() -> drain(pipe));
                long moved = calls(method, fdIn, NativeZeroCopy.fd(pipe.sink()), length, chunk, out);
                pipe.sink().close();
                out.append("fdOut=").append("pipe").append('\n');
                out.append("moved=").append(moved).append('\n');
                out.append("sha256=").append(hash.join()).append('\n');
            } else {
                try (FileChannel o = FileChannel.open(Paths.get(target), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING)) {
                    long moved = calls(method, fdIn, NativeZeroCopy.fd(o), length, chunk, out);
                    out.append("moved=").append(moved).append('\n');
                }
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                md.update(Files.readAllBytes(Paths.get(target)));
                out.append("sha256=").append(HexFormat.of().formatHex(md.digest())).append('\n');
            }
        }
        out.append("syscalls=").append(NativeZeroCopy.threadSyscalls() - syscalls0).append('\n');
    }

    private static void handshake(Path dir) throws Exception {
        Files.createFile(dir.resolve("ready"));
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!Files.exists(dir.resolve("go"))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no go from the test");
            }
            Thread.sleep(10);
        }
    }

    /** Transfers [0, length) in calls of at most chunk bytes; returns the bytes moved. */
    private static long calls(TransferMethod m, int fdIn, int fdOut, long length, long chunk, StringBuilder out) {
        long moved = 0;
        int calls = 0;
        try {
            while (moved < length) {
                long n = NativeZeroCopy.transfer(m, fdIn, fdOut, moved, Math.min(chunk, length - moved));
                calls++;
                if (n == 0) {
                    break;
                }
                moved += n;
            }
        } catch (ErrnoException e) {
            out.append("errno=").append(e.errnoName()).append('\n');
            out.append("message=").append(e.getMessage()).append('\n');
        }
        out.append("calls=").append(calls).append('\n');
        return moved;
    }

    private static String drain(Pipe pipe) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            ByteBuffer buf = ByteBuffer.allocate(256 * 1024);
            while (pipe.source().read(buf.clear()) >= 0) {
                md.update(buf.array(), 0, buf.position());
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (Exception e) {
            return "error " + e;
        }
    }

    /** Under RLIMIT_FSIZE: each method twice, the second call starting where the first stopped. */
    private static void fsize(String[] args, StringBuilder out) throws Exception {
        Path src = Paths.get(args[1]);
        Path dir = Paths.get(args[2]);
        long length = Long.parseLong(args[3]);
        try (FileChannel in = FileChannel.open(src)) {
            for (TransferMethod m : TransferMethod.values()) {
                Path dst = dir.resolve(m.name());
                try (FileChannel o = FileChannel.open(dst, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    long offset = 0;
                    for (int call = 1; call <= 2; call++) {
                        String key = m + ".call" + call;
                        try {
                            long n = NativeZeroCopy.transfer(m, NativeZeroCopy.fd(in), NativeZeroCopy.fd(o), offset, length - offset);
                            out.append(key).append("=moved ").append(n).append('\n');
                            offset += n;
                        } catch (ErrnoException e) {
                            out.append(key).append("=").append(e.errnoName()).append(' ').append(e.bytesTransferred())
                                    .append(' ').append(e.syscall()).append('\n');
                            offset += e.bytesTransferred();
                        }
                    }
                }
            }
        }
    }

    private static void load(StringBuilder out) {
        out.append("available=").append(NativeZeroCopy.isAvailable()).append('\n');
        Throwable cause = NativeZeroCopy.unavailabilityCause();
        out.append("cause=").append(cause == null ? "" : cause.getClass().getName() + ": " + cause.getMessage()).append('\n');
        for (int i = 1; i <= 2 && cause != null; i++) {
            try {
                long n = NativeZeroCopy.sendfile(0, 1, 0, 1);
                out.append("call").append(i).append("=returned ").append(n).append('\n');
            } catch (Throwable t) {
                out.append("call").append(i).append('=').append(t.getClass().getName()).append(": ")
                        .append(String.valueOf(t.getMessage()).replace('\n', ' ')).append('\n');
            }
        }
    }
}
