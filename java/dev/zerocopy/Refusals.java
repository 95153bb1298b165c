package dev.zerocopy;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Which kernel refusals move a transfer on to its next path, and which of them are remembered for
 * a {@link ChannelKind} so later transfers skip the path. The errno numbers are classified by the
 * shim (zc_chan_refusal in native/zc_channels.c), so no errno value is spelled in Java:
 * EINVAL, EXDEV, EBADF, ENODEV and ESPIPE mean "not for this pair of files"; ENOSYS, EPERM and
 * EOPNOTSUPP (what a seccomp filter answers) mean "not on this system", as does any refusal for
 * an O_APPEND file.
 */
final class Refusals {
    private static final int KINDS = ChannelKind.values().length;
    /** A bit per TransferMethod: [0, KINDS) transferTo, [KINDS, 2 KINDS) transferFrom. */
    private static final AtomicIntegerArray REFUSED = new AtomicIntegerArray(2 * KINDS);
    private static final LongAdder FALLBACKS = new LongAdder();
    /** zc_chan_refusal's answers. */
    private static final int NOT_A_REFUSAL = 0;
    private static final int FOR_GOOD = 2;

    /** The two tables: transfers to a kind, and from a kind. */
    enum Direction {
        TO(0), FROM(KINDS);

        final int base;

        Direction(int base) {
            this.base = base;
        }
    }

    private Refusals() {
    }

    /** Whether e means "not this path" rather than "this transfer failed". */
    static boolean isRefusal(ErrnoException e, ChannelKind kind) {
        return classify(e, kind) != NOT_A_REFUSAL;
    }

    private static int classify(ErrnoException e, ChannelKind kind) {
        return NativeLibrary.shim().zc_chan_refusal(e.errno(), kind == ChannelKind.APPEND_FILE ? 1 : 0);
    }

    /** Counts a fallback and remembers a refusal that holds for the whole kind. */
    static void refuse(Direction d, ChannelKind kind, TransferMethod m, ErrnoException e) {
        FALLBACKS.increment();
        if (classify(e, kind) == FOR_GOOD) {
            int i = d.base + kind.ordinal();
            int bit = 1 << m.ordinal();
            int v;
            do {
                v = REFUSED.get(i);
            } while ((v & bit) == 0 && !REFUSED.compareAndSet(i, v, v | bit));
        }
    }

    static boolean isRefused(Direction d, ChannelKind kind, TransferMethod m) {
        return (REFUSED.get(d.base + kind.ordinal()) & (1 << m.ordinal())) != 0;
    }

    static Set<TransferMethod> refused(Direction d, ChannelKind kind) {
        Objects.requireNonNull(kind, "kind");
        Set<TransferMethod> set = EnumSet.noneOf(TransferMethod.class);
        for (TransferMethod m : TransferMethod.values()) {
            if (isRefused(d, kind, m)) {
                set.add(m);
            }
        }
        return set;
    }

    static long fallbackCount() {
        return FALLBACKS.sum();
    }

    static void reset() {
        for (int i = 0; i < REFUSED.length(); i++) {
            REFUSED.set(i, 0);
        }
    }
}
