package dev.zerocopy;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.params.provider.Arguments;

/** Which (method, target) pairs the kernel serves, for parameterized tests. */
final class Methods {
    private Methods() {
    }

    /** copy_file_range(2) writes only to regular files; every other method writes to any fd. */
    static boolean serves(TransferMethod method, Targets.Kind kind) {
        return method != TransferMethod.COPY_FILE_RANGE || kind == Targets.Kind.FILE;
    }

    /** Every served (method, target kind) pair. */
    static Stream<Arguments> servedPairs() {
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
    static Stream<Arguments> streamPairs() {
        return servedPairs().filter(a -> ((Targets.Kind) a.get()[1]).isStream());
    }

    /** Methods that can write to a stream target (all but copy_file_range). */
    static Stream<TransferMethod> streamMethods() {
        return Stream.of(TransferMethod.values()).filter(m -> m != TransferMethod.COPY_FILE_RANGE);
    }
}
