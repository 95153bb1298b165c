package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.zerocopy.testkit.Targets;
import dev.zerocopy.testkit.Received;
import dev.zerocopy.testkit.Methods;
import dev.zerocopy.testkit.Hashing;
import dev.zerocopy.testkit.Sources;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.provider.Arguments;

/**
 * Many threads transfer at once, each through its own (method, target) pair and from its own
 * offsets of one shared source descriptor: every target gets exactly its bytes. Guards the
 * per-thread pipe and buffer, and that no method uses fdIn's shared file position.
 */
class ConcurrencyTest {
    @TempDir
    Path dir;

    @Test
    void everyMethodToItsOwnTargetAtOnce() throws Exception {
        int size = 6 * 1024 * 1024 + 1;
        byte[] data = Sources.randomBytes(size, 41);
        Path src = java.nio.file.Files.write(dir.resolve("src"), data);
        List<Arguments> pairs = Methods.servedPairs().toList();
        ExecutorService pool = Executors.newFixedThreadPool(pairs.size());
        CyclicBarrier start = new CyclicBarrier(pairs.size());
        try (FileChannel in = FileChannel.open(src)) {
            int fdIn = Fds.of(in);
            List<Future<?>> results = new ArrayList<>();
            for (int i = 0; i < pairs.size(); i++) {
                TransferMethod method = (TransferMethod) pairs.get(i).get()[0];
                Targets.Kind kind = (Targets.Kind) pairs.get(i).get()[1];
                int seed = i;
                results.add(pool.submit(() -> {
                    java.util.Random random = new java.util.Random(seed);
                    java.security.MessageDigest md = Hashing.sha256();
                    long total = 0;
                    try (Targets.Target target = Targets.open(kind, dir)) {
                        start.await();
                        for (int round = 0; round < 20; round++) {
                            int offset = random.nextInt(size);
                            int length = random.nextInt(size / 4);
                            long want = Math.min(length, size - offset);
                            assertEquals(want, NativeZeroCopy.transfer(method, fdIn, target.fd(), offset, length), method + " -> " + kind);
                            md.update(data, offset, (int) want);
                            total += want;
                        }
                        Received got = target.finish();
                        assertEquals(total, got.count(), method + " -> " + kind);
                        assertEquals(Hashing.hex(md.digest()), got.sha256(), method + " -> " + kind);
                    }
                    return null;
                }));
            }
            for (Future<?> f : results) {
                f.get(3, TimeUnit.MINUTES);
            }
            assertEquals(0, in.position(), "the shared source position never moved");
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(1, TimeUnit.MINUTES);
        }
    }
}
