package dev.zerocopy.bench;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import dev.zerocopy.Fds;
import dev.zerocopy.NativeZeroCopy;
import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * Per-call cost of a 4 KiB sendfile from the page cache (offset 0 every time): the library, JDK
 * FileChannel.transferTo, and a plain jnr-ffi binding of libc sendfile. The raw C loop of the same
 * call (bench/c/zc_floor.c, {@code zc_floor percall}) is the floor. /dev/null shows call overhead
 * (nothing is copied there); the loopback socket, drained by a thread, a real send.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class PerCallBench {
    static final long SIZE = 4096;
    static final int LOOP_CALLS = 1000;

    /** libc's sendfile, bound as simply as jnr-ffi allows (errno not saved: @IgnoreError). */
    public interface LibC {
        long sendfile(int outFd, int inFd, Pointer offset, long count);
    }

    static final LibC LIBC = LibraryLoader.create(LibC.class)
            .option(LibraryOption.IgnoreError, true).failImmediately().load("c");

    @Param({"devnull", "tcp"})
    public String target;

    private Path file;
    private FileChannel source;
    private int in;
    private Fixtures.Target out;
    private Pointer offset;
    private int noopArg = 41;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        file = Fixtures.sourceFile(1 << 20);
        source = FileChannel.open(file);
        in = Fds.of(source);
        out = Fixtures.Target.open(target);
        offset = Memory.allocateDirect(Runtime.getRuntime(LIBC), Long.BYTES);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        out.close();
        source.close();
        Files.deleteIfExists(file);
    }

    @Benchmark
    public long nativeSendfile() throws IOException {
        return NativeZeroCopy.sendfile(in, out.fd, 0, SIZE);
    }

    /** The raw C loop in this JVM: 1000 sendfile calls per native call (bench/c/floor_loop.c). */
    @Benchmark
    @OperationsPerInvocation(LOOP_CALLS)
    public long cLoopSendfile() {
        return FloorLoop.LIB.zc_floor_sendfile_loop(in, out.fd, SIZE, LOOP_CALLS);
    }

    /** What a jnr-ffi call of a C function that does nothing costs. */
    @Benchmark
    public int jnrNoop() {
        return FloorLoop.LIB.zc_floor_noop(noopArg);
    }

    /** What a JNI call of a C function that does nothing costs. */
    @Benchmark
    public int jniNoop() {
        return FloorLoop.jniNoop(noopArg);
    }

    @Benchmark
    public long nioTransferTo() throws IOException {
        return source.transferTo(0, SIZE, out.channel);
    }

    @Benchmark
    public long jnrLibcSendfile() {
        offset.putLong(0, 0);
        return LIBC.sendfile(out.fd, in, offset, SIZE);
    }
}
