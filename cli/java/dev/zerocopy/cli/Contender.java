package dev.zerocopy.cli;

import java.io.Closeable;
import java.io.IOException;

/**
 * One way of moving bytes from the source file to a target: a library path or its JDK NIO
 * counterpart. The comparison runs every contender on the same data, interleaved.
 */
public interface Contender {
    /** Short name, as given to --methods (e.g. "sendfile", "nio-transferto"). */
    String id();

    /** What the report prints (e.g. "sendfile", "NIO FileChannel.transferTo"). */
    String label();

    /** "native" (this library) or "nio" (the JDK). */
    String family();

    /** CPU copies of each byte in the classic model, as printed (e.g. "0 (1 w/o SG)"). */
    String cpuCopies();

    /** CPU copies with a scatter-gather device, for the CSV and JSON. */
    int cpuCopiesWithGather();

    /** DMA copies of each byte in the classic model. */
    int dmaCopies();

    /** True when its syscalls go through the shim and so are counted exactly. */
    boolean countsSyscalls();

    /** Whether it runs by default against this kind of target at this size (it may still be asked for). */
    boolean runsByDefault(Target.Kind kind, long size);

    /** Prepares to send from source to endpoint (buffers, mappings); closed after its samples. */
    Transfer open(Source source, Target.Endpoint endpoint) throws IOException;

    /**
     * What the kernel reported for MSG_ZEROCOPY sends (msg_zerocopy.rst): sends accepted, completed
     * without a copy, completed with SO_EE_CODE_ZEROCOPY_COPIED (the kernel copied after all), and
     * plain sends after ENOBUFS.
     */
    record Completions(long sends, long zeroCopied, long copied, long plain) {
        static final Completions NONE = new Completions(0, 0, 0, 0);

        Completions plus(Completions o) {
            return new Completions(sends + o.sends, zeroCopied + o.zeroCopied, copied + o.copied, plain + o.plain);
        }

        Completions minus(Completions o) {
            return new Completions(sends - o.sends, zeroCopied - o.zeroCopied, copied - o.copied, plain - o.plain);
        }
    }

    /** A prepared contender. */
    interface Transfer extends Closeable {
        /** Moves exactly {@code length} bytes from {@code offset} of the source, or throws. */
        void run(long offset, long length) throws IOException;

        /**
         * MSG_ZEROCOPY completions of this transfer so far (cumulative), or null for a path that
         * has none; the comparison takes the difference over each sample.
         */
        default Completions completions() {
            return null;
        }

        @Override
        default void close() throws IOException {
        }
    }
}
