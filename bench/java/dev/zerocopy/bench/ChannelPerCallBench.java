package dev.zerocopy.bench;

import dev.zerocopy.ZeroCopyChannels;
import dev.zerocopy.ZeroCopyFileChannel;
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
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Per-call cost of a 4 KiB transferTo through the channel layer against FileChannel.transferTo,
 * in one run (the goal: at most FileChannel's): the static method on a JDK FileChannel,
 * the library's own ZeroCopyFileChannel, and the JDK's. /dev/null shows the call overhead; the
 * loopback socket (drained by a thread) a real send; tcp-full a non-blocking socket whose peer
 * never reads, so that every call of every contender is one sendfile meeting EAGAIN and the
 * difference is the call's own cost (a non-blocking socket is held by its write lock, and a JDK
 * FileChannel with a non-blocking other end by its thread set, instead of a duplicate fd; a
 * drained non-blocking socket would mix calls that send 4 KiB with calls that send nothing). Run it with {@code -prof gc} or under
 * {@code perf stat} for CPU; AverageTime here is wall time per call on one pinned thread.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class ChannelPerCallBench {
    static final long SIZE = 4096;

    @Param({"devnull", "tcp", "tcp-full"})
    public String target;

    private Path file;
    private FileChannel jdk;
    private ZeroCopyFileChannel own;
    private Fixtures.Target out;
    /** /dev/null as the library's own channel: no per-call duplicate on either end. */
    private ZeroCopyFileChannel ownDevNull;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        file = Fixtures.sourceFile(1 << 20);
        jdk = FileChannel.open(file);
        own = ZeroCopyFileChannel.open(file);
        out = Fixtures.Target.open(target);
        ownDevNull = ZeroCopyFileChannel.open(java.nio.file.Paths.get("/dev/null"), java.nio.file.StandardOpenOption.WRITE);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        out.close();
        ownDevNull.close();
        own.close();
        jdk.close();
        Files.deleteIfExists(file);
    }

    @Benchmark
    public long nioTransferTo() throws IOException {
        return jdk.transferTo(0, SIZE, out.channel);
    }

    @Benchmark
    public long zeroCopyFileChannelTransferTo() throws IOException {
        return own.transferTo(0, SIZE, out.channel);
    }

    /** Both ends the library's own channels (/dev/null whatever the target parameter). */
    @Benchmark
    public long zeroCopyFileChannelToOwnDevNull() throws IOException {
        return own.transferTo(0, SIZE, ownDevNull);
    }

    @Benchmark
    public long channelsTransferToJdkFile() throws IOException {
        return ZeroCopyChannels.transferTo(jdk, 0, SIZE, out.channel);
    }
}
