package dev.zerocopy.bench;

import dev.zerocopy.examples.ServerBench;
import dev.zerocopy.examples.StaticFileServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

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
 * The example server's transfer path, FileChannel (nio) against ZeroCopyFileChannel (zerocopy,
 * optionally with a forced method): one keep-alive GET of a page-cached file per operation, over
 * loopback, the body read and dropped by a client in the same JVM. Time per fetch; divide the
 * size by it for bytes per second. Without JMH (e.g. without the benchmarks jar), ServerBench measures the
 * same path as a plain main.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class ServerTransferBenchmark {
    @Param({"4096", "65536", "1048576", "67108864"})
    public int size;

    /** nio, zerocopy, or zerocopy:METHOD (SENDFILE, SPLICE, MMAP_WRITE, READ_WRITE). */
    @Param({"nio", "zerocopy"})
    public String server;

    private Path dir;
    private StaticFileServer httpServer;
    private ServerBench.Client client;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        dir = Files.createTempDirectory("zc-server-bench-");
        byte[] data = new byte[size];
        new Random(1).nextBytes(data);
        Files.write(dir.resolve("f"), data);
        String[] c = server.split(":");
        httpServer = new StaticFileServer(dir, "127.0.0.1", 0, StaticFileServer.Mode.valueOf(c[0].toUpperCase()),
                c.length > 1 ? dev.zerocopy.TransferMethod.valueOf(c[1]) : null);
        client = new ServerBench.Client(httpServer.port());
        client.verify("f", data);
    }

    @Benchmark
    public long fetch() throws Exception {
        return client.fetch("f");
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        client.close();
        httpServer.close();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
