package dev.zerocopy.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
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

import dev.zerocopy.Fds;
import dev.zerocopy.NativeZeroCopy;

/**
 * Each library path against its NIO counterpart, one transfer of {@code size} bytes per op from
 * a page-cached file to a drained loopback socket or pipe. Pairs: READ_WRITE ~ NIO_DIRECT (and
 * NIO_HEAP), MMAP_WRITE ~ NIO_MAPPED, SENDFILE and SPLICE ~ NIO_TRANSFER_TO. Offsets cycle through
 * 64 MiB of the file, as bench/c/zc_floor.c does for the raw C figures. Throughput = size / score.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
// Manifest flags do not reach JMH forks: the shim is loaded with System.load (restricted on JDK 22+).
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class PathBench {
    @Param({"4096", "65536", "1048576", "67108864"})
    public long size;

    @Param({"tcp", "pipe"})
    public String target;

    @Param({"READ_WRITE", "MMAP_WRITE", "SENDFILE", "SPLICE", "NIO_HEAP", "NIO_DIRECT", "NIO_MAPPED", "NIO_TRANSFER_TO"})
    public String path;

    private Path file;
    private FileChannel source;
    private int in;
    private Fixtures.Target out;
    private WritableByteChannel channel;
    private int outFd;
    private ByteBuffer buffer;
    private MappedByteBuffer mapped;
    private long counter;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        file = Fixtures.sourceFile(Fixtures.CYCLE * 2);
        source = FileChannel.open(file);
        in = Fds.of(source);
        out = Fixtures.Target.open(target);
        channel = out.channel;
        outFd = out.fd;
        buffer = path.equals("NIO_HEAP") ? ByteBuffer.allocate(256 * 1024) : ByteBuffer.allocateDirect(256 * 1024);
        if (path.equals("NIO_MAPPED")) {
            mapped = source.map(FileChannel.MapMode.READ_ONLY, 0, source.size());
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        out.close();
        source.close();
        Files.deleteIfExists(file);
    }

    private long nextOffset() {
        return (counter++ * size) % Fixtures.CYCLE;
    }

    @Benchmark
    public long transfer() throws IOException {
        long offset = nextOffset();
        switch (path) {
            case "READ_WRITE":
                return NativeZeroCopy.readWrite(in, outFd, offset, size);
            case "MMAP_WRITE":
                return NativeZeroCopy.mmapWrite(in, outFd, offset, size);
            case "SENDFILE":
                return NativeZeroCopy.sendfile(in, outFd, offset, size);
            case "SPLICE":
                return NativeZeroCopy.splice(in, outFd, offset, size);
            case "NIO_HEAP":
            case "NIO_DIRECT":
                return readWrite(offset);
            case "NIO_MAPPED":
                return mappedWrite(offset);
            case "NIO_TRANSFER_TO":
                return transferTo(offset);
            default:
                throw new IllegalStateException(path);
        }
    }

    private long readWrite(long offset) throws IOException {
        long done = 0;
        while (done < size) {
            buffer.clear();
            buffer.limit((int) Math.min(buffer.capacity(), size - done));
            int n = source.read(buffer, offset + done);
            buffer.flip();
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            done += n;
        }
        return done;
    }

    private long mappedWrite(long offset) throws IOException {
        ByteBuffer slice = mapped.duplicate();
        slice.limit((int) (offset + size)).position((int) offset);
        while (slice.hasRemaining()) {
            channel.write(slice);
        }
        return size;
    }

    private long transferTo(long offset) throws IOException {
        long done = 0;
        while (done < size) {
            done += source.transferTo(offset + done, size - done, channel);
        }
        return done;
    }
}
