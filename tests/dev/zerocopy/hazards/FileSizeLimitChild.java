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
 * The main class of the child JVM that {@link FileSizeLimitTest} starts under RLIMIT_FSIZE:
 * {@code SRC DSTDIR LENGTH} copies SRC to DSTDIR/METHOD with every method, twice (the second call
 * starting where the first stopped), and prints one key=value line per call and alive=true.
 */
public final class FileSizeLimitChild {
    private FileSizeLimitChild() {
    }

    public static void main(String[] args) throws Exception {
        Path src = Paths.get(args[0]);
        Path dir = Paths.get(args[1]);
        long length = Long.parseLong(args[2]);
        StringBuilder out = new StringBuilder();
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
        out.append("alive=true\n");
        System.out.print(out); // one write: stdout is a pipe, not limited, but keep the report whole
        System.out.flush();
    }
}
