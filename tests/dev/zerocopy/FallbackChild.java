package dev.zerocopy;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;

/**
 * Run in a child JVM under fault injection by ChannelsFaultInjectionTest: copies a file twice with
 * transferTo and once with transferFrom, and prints what the channel layer did, one key=value per line.
 */
public final class FallbackChild {
    private FallbackChild() {
    }

    public static void main(String[] args) throws Exception {
        Path src = Paths.get(args[0]);
        Path dir = Paths.get(args[1]);
        byte[] want = Files.readAllBytes(src);
        for (int i = 0; i < 2; i++) {
            Path dst = dir.resolve("to" + i);
            try (FileChannel in = ZeroCopyFileChannel.open(src, READ); FileChannel out = FileChannel.open(dst, CREATE, WRITE)) {
                long n = in.transferTo(0, Long.MAX_VALUE, out);
                System.out.println("to" + i + ".n=" + n);
                System.out.println("to" + i + ".method=" + ZeroCopyChannels.lastMethod());
                System.out.println("to" + i + ".fallbacks=" + ZeroCopyChannels.fallbackCount());
            }
            System.out.println("to" + i + ".same=" + Arrays.equals(want, Files.readAllBytes(dst)));
        }
        System.out.println("refusedTo.FILE=" + ZeroCopyChannels.refusedTransferTo(ChannelKind.FILE));
        Path dst = dir.resolve("from");
        try (FileChannel in = FileChannel.open(src, READ); FileChannel out = ZeroCopyFileChannel.open(dst, CREATE, WRITE)) {
            long n = out.transferFrom(in, 0, Long.MAX_VALUE);
            System.out.println("from.n=" + n);
            System.out.println("from.method=" + ZeroCopyChannels.lastMethod());
            System.out.println("from.srcPos=" + in.position());
        }
        System.out.println("from.same=" + Arrays.equals(want, Files.readAllBytes(dst)));
        System.out.println("refusedFrom.FILE=" + ZeroCopyChannels.refusedTransferFrom(ChannelKind.FILE));
    }
}
