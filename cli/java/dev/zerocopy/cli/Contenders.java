package dev.zerocopy.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.zerocopy.KernelExperiments;
import dev.zerocopy.MappedSource;
import dev.zerocopy.NativeZeroCopy;
import dev.zerocopy.TransferMethod;
import dev.zerocopy.ZeroCopySendResult;

/** The contenders, in report order: the library's paths, then their NIO counterparts. */
final class Contenders {
    /** Buffer of the NIO read/write contenders: the shim's read+write buffer is 256 KiB too. */
    static final int NIO_BUFFER = 256 * 1024;

    private Contenders() {
    }

    /** Every contender known, by id. */
    static Map<String, Contender> all() {
        Map<String, Contender> m = new LinkedHashMap<>();
        for (Contender c : List.of(
                new Native("read-write", TransferMethod.READ_WRITE),
                new Native("mmap-write", TransferMethod.MMAP_WRITE),
                new MappedOnce(),
                new Native("sendfile", TransferMethod.SENDFILE),
                new Native("splice", TransferMethod.SPLICE),
                new Native("copy-file-range", TransferMethod.COPY_FILE_RANGE),
                new MsgZeroCopy(),
                new NioBuffer("nio-heap", "NIO heap ByteBuffer read/write", false),
                new NioBuffer("nio-direct", "NIO direct ByteBuffer read/write", true),
                new NioMapped(),
                new NioTransferTo())) {
            m.put(c.id(), c);
        }
        return m;
    }

    /** The contenders named, in the order given; throws IllegalArgumentException on an unknown id. */
    static List<Contender> byIds(List<String> ids) {
        Map<String, Contender> all = all();
        List<Contender> out = new ArrayList<>();
        for (String id : ids) {
            Contender c = all.get(id.toLowerCase(Locale.ROOT));
            if (c == null) {
                throw new IllegalArgumentException("unknown method '" + id + "'; choose from " + all.keySet());
            }
            out.add(c);
        }
        return out;
    }

    /** The fair mmap contender: the source mapped once, ranges written from it. */
    static final String MAPPED_ONCE = "mmap-once";

    /** The id the ratio column divides by. */
    static final String BASELINE = "nio-transferto";

    private static void requireAll(long moved, long length, String what) throws IOException {
        if (moved != length) {
            throw new IOException(what + " moved " + moved + " of " + length + " bytes");
        }
    }

    /** A library path: one native call per transfer. */
    static final class Native implements Contender {
        private final String id;
        private final TransferMethod method;

        Native(String id, TransferMethod method) {
            this.id = id;
            this.method = method;
        }

        TransferMethod method() {
            return method;
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public String label() {
            return method.path();
        }

        @Override
        public String family() {
            return "native";
        }

        /** The classic model's figures, from TransferMethod: "0 (1 w/o SG)" where the device's SG matters. */
        @Override
        public String cpuCopies() {
            int with = method.cpuCopiesWithGather();
            int without = method.cpuCopiesWithoutGather();
            return with == without ? Integer.toString(with) : with + " (" + without + " w/o SG)";
        }

        @Override
        public int cpuCopiesWithGather() {
            return method.cpuCopiesWithGather();
        }

        @Override
        public int dmaCopies() {
            return method.dmaCopies();
        }

        @Override
        public boolean countsSyscalls() {
            return true;
        }

        @Override
        public boolean runsByDefault(Target.Kind kind, long size) {
            // copy_file_range(2) needs a regular file on both sides.
            return method != TransferMethod.COPY_FILE_RANGE || kind == Target.Kind.FILE;
        }

        @Override
        public Transfer open(Source source, Target.Endpoint endpoint) {
            int in = source.fd();
            int out = endpoint.fd();
            return (offset, length) -> requireAll(NativeZeroCopy.transfer(method, in, out, offset, length), length, id);
        }
    }

    /**
     * KernelExperiments.mmapSendZeroCopy: the file mapped in 8 MiB windows and sent with send(2)
     * MSG_ZEROCOPY, each window unmapped after its completions came back. TCP targets only (the
     * kernel takes MSG_ZEROCOPY on TCP and UDP sockets; a pipe or file answers ENOTSOCK). The
     * completions say whether the kernel copied after all: on loopback and veth it does (local
     * delivery copies), so there the row shows the cost of pinning without the saving.
     */
    static final class MsgZeroCopy implements Contender {
        @Override
        public String id() {
            return "msg-zerocopy";
        }

        @Override
        public String label() {
            return "mmap + send(MSG_ZEROCOPY)";
        }

        @Override
        public String family() {
            return "native";
        }

        @Override
        public String cpuCopies() {
            return "0 (1 if copied)";
        }

        @Override
        public int cpuCopiesWithGather() {
            return 0;
        }

        @Override
        public int dmaCopies() {
            return 2;
        }

        @Override
        public boolean countsSyscalls() {
            return true;
        }

        /**
         * TCP only, and from 64 KiB per transfer: msg_zerocopy.rst puts the break-even above about
         * 10 KB per send, and at 4 KiB one sample of the default batch takes seconds.
         */
        @Override
        public boolean runsByDefault(Target.Kind kind, long size) {
            return kind == Target.Kind.SOCKET && size >= 64 * 1024;
        }

        @Override
        public Transfer open(Source source, Target.Endpoint endpoint) {
            int in = source.fd();
            int out = endpoint.fd();
            return new Transfer() {
                private Completions total = Completions.NONE;

                @Override
                public void run(long offset, long length) throws IOException {
                    ZeroCopySendResult r = KernelExperiments.mmapSendZeroCopy(in, out, offset, length);
                    total = total.plus(new Completions(r.sends(), r.zeroCopied(), r.copied(), r.plainSends()));
                    requireAll(r.bytes(), length, id());
                }

                @Override
                public Completions completions() {
                    return total;
                }
            };
        }
    }

    /**
     * The source mapped once for the whole run ({@link MappedSource}), each transfer one write(2)
     * of its range: how a message store uses mmap, beside mmap-write, which maps and unmaps per
     * call. One CPU copy; the pages fault in on first use only.
     */
    static final class MappedOnce implements Contender {
        @Override
        public String id() {
            return MAPPED_ONCE;
        }

        @Override
        public String label() {
            return "mmap once + write per range";
        }

        @Override
        public String family() {
            return "native";
        }

        @Override
        public String cpuCopies() {
            return Integer.toString(TransferMethod.MMAP_WRITE.cpuCopiesWithGather());
        }

        @Override
        public int cpuCopiesWithGather() {
            return TransferMethod.MMAP_WRITE.cpuCopiesWithGather();
        }

        @Override
        public int dmaCopies() {
            return TransferMethod.MMAP_WRITE.dmaCopies();
        }

        @Override
        public boolean countsSyscalls() {
            return true;
        }

        @Override
        public boolean runsByDefault(Target.Kind kind, long size) {
            return true;
        }

        @Override
        public Transfer open(Source source, Target.Endpoint endpoint) throws IOException {
            MappedSource mapping = MappedSource.map(source.fd(), source.size());
            int out = endpoint.fd();
            return new Transfer() {
                @Override
                public void run(long offset, long length) throws IOException {
                    requireAll(mapping.write(out, offset, length), length, id());
                }

                @Override
                public void close() throws IOException {
                    mapping.close();
                }
            };
        }
    }

    /** Base of the NIO contenders. */
    abstract static class Nio implements Contender {
        @Override
        public String family() {
            return "nio";
        }

        @Override
        public int dmaCopies() {
            return 2;
        }

        @Override
        public boolean countsSyscalls() {
            return false;
        }

        @Override
        public boolean runsByDefault(Target.Kind kind, long size) {
            return true;
        }

        static void writeFully(WritableByteChannel out, ByteBuffer buf) throws IOException {
            while (buf.hasRemaining()) {
                out.write(buf);
            }
        }
    }

    /**
     * FileChannel.read(buffer, position) then channel.write(buffer). With a heap buffer the JDK
     * reads into a temporary direct buffer and copies it into the array, and copies it back out for
     * the write: two more CPU copies than with a direct buffer.
     */
    static final class NioBuffer extends Nio {
        private final String id;
        private final String label;
        private final boolean direct;

        NioBuffer(String id, String label, boolean direct) {
            this.id = id;
            this.label = label;
            this.direct = direct;
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public String label() {
            return label;
        }

        @Override
        public String cpuCopies() {
            return direct ? "2" : "4 (2 in the JVM)";
        }

        @Override
        public int cpuCopiesWithGather() {
            return direct ? 2 : 4;
        }

        @Override
        public Transfer open(Source source, Target.Endpoint endpoint) {
            ByteBuffer buf = direct ? ByteBuffer.allocateDirect(NIO_BUFFER) : ByteBuffer.allocate(NIO_BUFFER);
            FileChannel in = source.channel();
            WritableByteChannel out = endpoint.channel();
            return (offset, length) -> {
                long done = 0;
                while (done < length) {
                    buf.clear();
                    buf.limit((int) Math.min(buf.capacity(), length - done));
                    int n = in.read(buf, offset + done);
                    if (n < 0) {
                        throw new IOException(id + ": end of file after " + done + " of " + length + " bytes");
                    }
                    buf.flip();
                    writeFully(out, buf);
                    done += n;
                }
            };
        }
    }

    /**
     * FileChannel.map once (read-only, windows of up to 1 GiB, kept for the whole run), then
     * channel.write of a slice per transfer. Unlike the library's mmap+write, which maps and
     * unmaps per call, the pages are faulted in only once: the JDK cannot unmap on demand.
     */
    static final class NioMapped extends Nio {
        private static final long WINDOW = 1L << 30;

        @Override
        public String id() {
            return "nio-mapped";
        }

        @Override
        public String label() {
            return "NIO MappedByteBuffer (mapped once) + write";
        }

        @Override
        public String cpuCopies() {
            return "1";
        }

        @Override
        public int cpuCopiesWithGather() {
            return 1;
        }

        @Override
        public Transfer open(Source source, Target.Endpoint endpoint) throws IOException {
            FileChannel in = source.channel();
            int count = (int) ((source.size() + WINDOW - 1) / WINDOW);
            MappedByteBuffer[] windows = new MappedByteBuffer[count];
            for (int i = 0; i < count; i++) {
                long start = i * WINDOW;
                windows[i] = in.map(FileChannel.MapMode.READ_ONLY, start, Math.min(WINDOW, source.size() - start));
            }
            WritableByteChannel out = endpoint.channel();
            return (offset, length) -> {
                long pos = offset;
                long end = offset + length;
                if (end > source.size()) {
                    throw new IOException(id() + ": range ends past the end of the file");
                }
                while (pos < end) {
                    MappedByteBuffer w = windows[(int) (pos / WINDOW)];
                    int from = (int) (pos % WINDOW);
                    int to = (int) Math.min(w.capacity(), from + (end - pos));
                    ByteBuffer slice = w.duplicate();
                    slice.limit(to).position(from);
                    writeFully(out, slice);
                    pos += to - from;
                }
            };
        }
    }

    /** FileChannel.transferTo: sendfile(2) inside the JDK (with an fstat per call), the baseline of the ratio column. */
    static final class NioTransferTo extends Nio {
        @Override
        public String id() {
            return BASELINE;
        }

        @Override
        public String label() {
            return "NIO FileChannel.transferTo";
        }

        @Override
        public String cpuCopies() {
            return "0 (1 w/o SG)";
        }

        @Override
        public int cpuCopiesWithGather() {
            return 0;
        }

        @Override
        public Transfer open(Source source, Target.Endpoint endpoint) {
            FileChannel in = source.channel();
            WritableByteChannel out = endpoint.channel();
            return (offset, length) -> {
                long done = 0;
                while (done < length) {
                    long n = in.transferTo(offset + done, length - done, out);
                    if (n <= 0) {
                        throw new IOException(id() + ": transferTo moved nothing after " + done + " of " + length + " bytes");
                    }
                    done += n;
                }
            };
        }
    }
}
