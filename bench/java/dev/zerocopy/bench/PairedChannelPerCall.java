package dev.zerocopy.bench;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;

import dev.zerocopy.ZeroCopyChannels;
import dev.zerocopy.ZeroCopyFileChannel;

/**
 * The channel layer per 4 KiB call against FileChannel.transferTo, in one JVM and interleaved
 * block by block ({@link Paired}); the same contenders and targets as JMH ChannelPerCallBench
 * (bench/channel-percall.sh), whose separate forks drift between rounds by more than the
 * differences. tcp-full: a non-blocking socket whose peer never reads (nearly every call meets
 * EAGAIN and moves nothing; the socket's buffer may take a little now and then); tcp: a blocking loopback socket drained by a thread; devnull: /dev/null as
 * a JDK FileChannel.
 *
 * <pre>java -cp target/benchmarks.jar [-Dcontenders=REGEX] dev.zerocopy.bench.PairedChannelPerCall devnull|tcp|tcp-full [blocks] [calls]</pre>
 */
public final class PairedChannelPerCall {
    private static final long SIZE = ChannelPerCallBench.SIZE;

    private PairedChannelPerCall() {
    }

    public static void main(String[] args) throws Exception {
        Paired.Args a = new Paired.Args(args, 200, 2000);
        String target = a.target;
        Path file = Fixtures.sourceFile(1 << 20);
        try (FileChannel jdk = FileChannel.open(file); ZeroCopyFileChannel own = ZeroCopyFileChannel.open(file);
             Fixtures.Target out = Fixtures.Target.open(target);
             ZeroCopyFileChannel ownDevNull = ZeroCopyFileChannel.open(Paths.get("/dev/null"), StandardOpenOption.WRITE)) {
            Paired.Contender[] contenders = {
                new Paired.Contender("FileChannel.transferTo", n -> {
                    long total = 0;
                    for (int i = 0; i < n; i++) {
                        total += jdk.transferTo(0, SIZE, out.channel);
                    }
                    return total;
                }),
                new Paired.Contender("ZeroCopyFileChannel.transferTo", n -> {
                    long total = 0;
                    for (int i = 0; i < n; i++) {
                        total += own.transferTo(0, SIZE, out.channel);
                    }
                    return total;
                }),
                new Paired.Contender("ZeroCopyChannels.transferTo, JDK file", n -> {
                    long total = 0;
                    for (int i = 0; i < n; i++) {
                        total += ZeroCopyChannels.transferTo(jdk, 0, SIZE, out.channel);
                    }
                    return total;
                }),
                // The library's channels on both ends (/dev/null whatever the target): no hold costs a JNI call.
                new Paired.Contender("ZeroCopyFileChannel -> own /dev/null", n -> {
                    long total = 0;
                    for (int i = 0; i < n; i++) {
                        total += own.transferTo(0, SIZE, ownDevNull);
                    }
                    return total;
                }),
            };
            Paired.measure("4 KiB channel transferTo to " + target, contenders, a.blocks, a.calls, target.equals("tcp-full") ? -1 : SIZE);
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
