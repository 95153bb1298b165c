package dev.zerocopy;

import dev.zerocopy.testkit.Hashing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.security.MessageDigest;
import java.util.concurrent.CompletableFuture;

/** Test receivers: read a channel to its end on another thread, hashing every byte. */
public final class Receivers {
    private Receivers() {
    }

    /** What a receiver got. */
    public record Received(long bytes, byte[] sha256) {
    }

    /** Starts a thread that reads ch until end of stream; the future completes with the count and SHA-256. */
    public static CompletableFuture<Received> drain(ReadableByteChannel ch) {
        CompletableFuture<Received> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                f.complete(readAll(ch));
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }, "test-receiver");
        t.setDaemon(true);
        t.start();
        return f;
    }

    public static Received readAll(ReadableByteChannel ch) throws IOException {
        MessageDigest md = Hashing.sha256();
        ByteBuffer buf = ByteBuffer.allocate(256 * 1024);
        long total = 0;
        for (int n; (n = ch.read(buf)) >= 0; ) {
            buf.flip();
            md.update(buf);
            buf.clear();
            total += n;
        }
        return new Received(total, md.digest());
    }
}
