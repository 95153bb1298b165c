import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

import dev.zerocopy.Fds;
import dev.zerocopy.NativeZeroCopy;
import dev.zerocopy.bench.Fixtures;
import dev.zerocopy.bench.Paired;

/**
 * Would the FFM API (JDK 22+) bring a 4 KiB sendfile from Java within 1.05x of a C loop, where
 * jnr-ffi and JNI do not on this VM (README, "The JMH suite and the raw C floor")? The same paired,
 * in-JVM measurement as PairedPerCall: the C loop (bench/c/floor_loop.c, one downcall per block),
 * one C sendfile per call through an FFM downcall, the same with Linker.Option.critical(false)
 * (no thread-state transition: the JVM treats the call as a leaf), and the library for reference.
 * Run by bench/ffm-percall.sh with a JDK 22+ source launcher against target/benchmarks.jar.
 */
public final class FfmPerCall {
    private static final long SIZE = 4096;

    public static void main(String[] args) throws Throwable {
        Paired.Args a = new Paired.Args(args, 300, 4000);
        Linker linker = Linker.nativeLinker();
        SymbolLookup floor = SymbolLookup.libraryLookup(Paths.get("target/libzc_floor_loop.so").toAbsolutePath(),
                java.lang.foreign.Arena.global());
        FunctionDescriptor once = FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                ValueLayout.JAVA_LONG);
        FunctionDescriptor loop = FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG);
        MethodHandle cLoop = linker.downcallHandle(floor.find("zc_floor_sendfile_loop").orElseThrow(), loop);
        MethodHandle ffmOnce = linker.downcallHandle(floor.find("zc_floor_sendfile_once").orElseThrow(), once);
        MethodHandle ffmCritical = linker.downcallHandle(floor.find("zc_floor_sendfile_once").orElseThrow(), once,
                Linker.Option.critical(false));
        Path file = Fixtures.sourceFile(1 << 20);
        try (FileChannel source = FileChannel.open(file); Fixtures.Target out = Fixtures.Target.open(a.target)) {
            int in = Fds.of(source);
            int fd = out.fd;
            Paired.Contender[] contenders = {
                new Paired.Contender("C loop", n -> invokeLoop(cLoop, in, fd, n)),
                new Paired.Contender("FFM, C sendfile once", n -> perCall(ffmOnce, in, fd, n)),
                new Paired.Contender("FFM critical, C sendfile once", n -> perCall(ffmCritical, in, fd, n)),
                new Paired.Contender("NativeZeroCopy.sendfile (jnr-ffi)", n -> {
                    long total = 0;
                    for (int i = 0; i < n; i++) {
                        total += NativeZeroCopy.sendfile(in, fd, 0, SIZE);
                    }
                    return total;
                }),
            };
            Paired.measure("4 KiB sendfile to " + a.target + " (FFM)", contenders, a.blocks, a.calls, SIZE);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static long invokeLoop(MethodHandle loop, int in, int fd, int n) {
        try {
            return (long) loop.invokeExact(in, fd, SIZE, (long) n);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static long perCall(MethodHandle once, int in, int fd, int n) {
        try {
            long total = 0;
            for (int i = 0; i < n; i++) {
                total += (long) once.invokeExact(in, fd, SIZE);
            }
            return total;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
