package dev.zerocopy.bench;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.zerocopy.Fds;
import dev.zerocopy.NativeZeroCopy;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * Per-call cost of a 4 KiB sendfile from the page cache, the library against the raw C loop, in
 * one JVM and interleaved block by block ({@link Paired}): the C loop is bench/c/floor_loop.c, one
 * jnr-ffi call per block of calls, so what it measures is the syscall as this process makes it.
 *
 * <p>The other contenders take the difference apart: a bare jnr-ffi binding of libc's sendfile
 * (the cheapest call jnr-ffi offers), one C sendfile per call bound with jnr-ffi and with JNI (the
 * binding alone), the C loop reading one byte of 8 or 32 distinct pages after each sendfile and
 * the same reads without it (what touching memory costs after a syscall here, and before), and
 * getppid(2) (a syscall that does nothing).
 *
 * <pre>java -cp target/benchmarks.jar [-Dcontenders=REGEX] dev.zerocopy.bench.PairedPerCall devnull|tcp [blocks] [calls]</pre>
 *
 * Ratios of one run are tight (+-0.005); between runs (new JVMs) the library's moved by +-0.015 in
 * our runs, so compare runs, not one.
 */
public final class PairedPerCall {
    private static final long SIZE = PerCallBench.SIZE;

    private PairedPerCall() {
    }

    public static void main(String[] args) throws Exception {
        Paired.Args a = new Paired.Args(args, 400, 4000);
        String target = a.target;
        Path file = Fixtures.sourceFile(1 << 20);
        try (FileChannel source = FileChannel.open(file); Fixtures.Target out = Fixtures.Target.open(target)) {
            int in = Fds.of(source);
            Paired.Contender[] contenders = {
                new Paired.Contender("C loop", n -> FloorLoop.LIB.zc_floor_sendfile_loop(in, out.fd, SIZE, n)),
                new Paired.Contender("NativeZeroCopy.sendfile", n -> library(in, out.fd, n)),
                new Paired.Contender("bare jnr-ffi libc sendfile", n -> jnrLibc(in, out.fd, n)),
                new Paired.Contender("jnr-ffi, C sendfile once", n -> jnrOnce(in, out.fd, n)),
                new Paired.Contender("JNI, C sendfile once", n -> jniOnce(in, out.fd, n)),
                new Paired.Contender("C loop + 8 pages", n -> FloorLoop.LIB.zc_floor_touch_loop(in, out.fd, SIZE, n, 8)),
                new Paired.Contender("C loop + 32 pages", n -> FloorLoop.LIB.zc_floor_touch_loop(in, out.fd, SIZE, n, 32)),
                new Paired.Contender("32 pages, no syscall", n -> FloorLoop.LIB.zc_floor_touch_loop(-1, out.fd, SIZE, n, 32)),
                new Paired.Contender("getppid, C loop", n -> FloorLoop.LIB.zc_floor_null_syscall_loop(n) * SIZE),
            };
            Paired.measure("4 KiB sendfile to " + target, contenders, a.blocks, a.calls, SIZE);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static long cLoop(int in, int out, int calls) {
        return FloorLoop.LIB.zc_floor_sendfile_loop(in, out, SIZE, calls);
    }

    private static long library(int in, int out, int calls) throws IOException {
        long total = 0;
        for (int i = 0; i < calls; i++) {
            total += NativeZeroCopy.sendfile(in, out, 0, SIZE);
        }
        return total;
    }

    private static final Pointer OFFSET = Memory.allocateDirect(Runtime.getRuntime(PerCallBench.LIBC), Long.BYTES);

    private static long jnrLibc(int in, int out, int calls) {
        long total = 0;
        for (int i = 0; i < calls; i++) {
            OFFSET.putLong(0, 0);
            total += PerCallBench.LIBC.sendfile(out, in, OFFSET, SIZE);
        }
        return total;
    }

    private static long jnrOnce(int in, int out, int calls) {
        long total = 0;
        for (int i = 0; i < calls; i++) {
            total += FloorLoop.LIB.zc_floor_sendfile_once(in, out, SIZE);
        }
        return total;
    }

    private static long jniOnce(int in, int out, int calls) {
        long total = 0;
        for (int i = 0; i < calls; i++) {
            total += FloorLoop.jniSendfileOnce(in, out, SIZE);
        }
        return total;
    }
}
