package dev.zerocopy.testkit;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import dev.zerocopy.TransferMethod;
import org.junit.jupiter.params.provider.Arguments;

/** Which (method, target) pairs the kernel serves, for parameterized tests, and what each method calls. */
public final class Methods {
    private Methods() {
    }

    /** copy_file_range(2) writes only to regular files; every other method writes to any fd. */
    public static boolean serves(TransferMethod method, Targets.Kind kind) {
        return method != TransferMethod.COPY_FILE_RANGE || kind == Targets.Kind.FILE;
    }

    /** Every served (method, target kind) pair. */
    public static Stream<Arguments> servedPairs() {
        List<Arguments> out = new ArrayList<>();
        for (TransferMethod m : TransferMethod.values()) {
            for (Targets.Kind k : Targets.Kind.values()) {
                if (serves(m, k)) {
                    out.add(Arguments.of(m, k));
                }
            }
        }
        return out.stream();
    }

    /** Every served pair whose target is a stream (pipe or socket). */
    public static Stream<Arguments> streamPairs() {
        return servedPairs().filter(a -> ((Targets.Kind) a.get()[1]).isStream());
    }

    /** Methods that can write to a stream target (all but copy_file_range). */
    public static Stream<TransferMethod> streamMethods() {
        return Stream.of(TransferMethod.values()).filter(m -> m != TransferMethod.COPY_FILE_RANGE);
    }

    /** The syscall that writes to the target, as ErrnoException.syscall() names it when the target fails. */
    public static String writeCall(TransferMethod m) {
        return switch (m) {
            case READ_WRITE, MMAP_WRITE -> "write";
            case SENDFILE -> "sendfile";
            case SPLICE -> "splice";
            case COPY_FILE_RANGE -> "copy_file_range";
        };
    }

    /** A descriptor number that is not open in this process (above the fd limit of the JVM's tests). */
    public static int notOpen() {
        int fd = 1_000_000;
        assertFalse(Files.exists(Path.of("/proc/self/fd/" + fd)));
        return fd;
    }
}
