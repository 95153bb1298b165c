package dev.zerocopy.hazards;

import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;

import dev.zerocopy.ErrnoException;
import dev.zerocopy.Fds;
import dev.zerocopy.NativeZeroCopy;
import dev.zerocopy.TransferMethod;

/**
 * The main class of the child JVMs the hazard tests start (under a file size limit, with a
 * wrong or missing library). It does one job and prints key=value lines that the test parses.
 *
 * <pre>
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
            case "fsize" -> fsize(args, out);
            case "load" -> load(out);
            default -> throw new IllegalArgumentException(args[0]);
        }
        out.append("alive=true\n");
        // One write, so an injected EINTR on write(2) meets the JDK's retry once at most.
        System.out.print(out);
        System.out.flush();
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
                            long n = NativeZeroCopy.transfer(m, Fds.of(in), Fds.of(o), offset, length - offset);
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
