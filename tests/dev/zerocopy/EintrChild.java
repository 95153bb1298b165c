package dev.zerocopy;

import dev.zerocopy.testkit.Sources;
import dev.zerocopy.testkit.Proc;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Run by EintrTest in a child JVM: a fresh thread prints its kernel thread id, waits for "go" on
 * stdin (strace attaches to that one thread meanwhile), then copies a file through every method to
 * a file and to a pipe, printing "ok METHOD" when the bytes arrived intact, else "fail METHOD ...",
 * and through the channel layer with that method forced, to a file and a socket ("ok chan-METHOD").
 */
public final class EintrChild {
    private EintrChild() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        boolean channelOnly = args.length > 1 && args[1].equals("channel");
        // Warm up first: the JVM reads classes with pread64 and does not retry EINTR there, so
        // every class the transfers need is loaded before strace attaches.
        Files.createDirectories(dir.resolve("warm"));
        transfers(dir.resolve("warm"), new java.util.ArrayList<>(), true);
        try {
            NativeZeroCopy.sendfile(-1, -1, 0, 1); // the error path's classes (String.format, locale data):
        } catch (ErrnoException expected) {      // the channel layer builds an ErrnoException per EINTR
            // EBADF
        }
        java.io.BufferedReader stdin = new java.io.BufferedReader(new java.io.InputStreamReader(System.in));
        java.util.List<String> results = new java.util.ArrayList<>();
        Thread traced = new Thread(() -> {
            System.out.println("tid=" + Proc.gettid());
            System.out.flush();
            try {
                if (!"go".equals(stdin.readLine())) {
                    throw new IllegalStateException("expected go");
                }
                transfers(dir, results, !channelOnly); // prints nothing itself: the JVM's own stderr writes do not retry EINTR
            } catch (Throwable e) {
                results.add("fail " + e);
            }
        });
        traced.start();
        traced.join();
        results.forEach(System.out::println); // from the untraced main thread
    }

    static void transfers(Path dir, java.util.List<String> results, boolean raw) throws Exception {
        byte[] data = Sources.randomBytes(3 * 1024 * 1024 + 1, 61);
        Path src = Files.write(dir.resolve("src"), data);
        for (TransferMethod m : TransferMethod.values()) {
            if (!raw) {
                channelTransfer(src, dir.resolve("chan-" + m), m, Arrays.copyOfRange(data, 1, data.length), results);
                continue;
            }
            Path dst = dir.resolve("dst-" + m);
            long toFile;
            long toPipe = -1;
            byte[] viaPipe = new byte[0];
            try (FileChannel in = FileChannel.open(src);
                 FileChannel out = FileChannel.open(dst, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                toFile = NativeZeroCopy.transfer(m, Fds.of(in), Fds.of(out), 1, data.length);
                if (m != TransferMethod.COPY_FILE_RANGE) {
                    Pipe pipe = Pipe.open();
                    try (Pipe.SinkChannel sink = pipe.sink(); Pipe.SourceChannel source = pipe.source()) {
                        java.util.concurrent.FutureTask<byte[]> reader = new java.util.concurrent.FutureTask<>(
                                () -> java.nio.channels.Channels.newInputStream(source).readAllBytes());
                        new Thread(reader).start();
                        toPipe = NativeZeroCopy.transfer(m, Fds.of(in), Fds.of(sink), 1, data.length);
                        sink.close();
                        viaPipe = reader.get();
                    }
                }
            }
            byte[] want = Arrays.copyOfRange(data, 1, data.length);
            boolean fileOk = toFile == want.length && Arrays.equals(want, Files.readAllBytes(dst));
            boolean pipeOk = m == TransferMethod.COPY_FILE_RANGE || (toPipe == want.length && Arrays.equals(want, viaPipe));
            results.add((fileOk && pipeOk ? "ok " : "fail ") + m + " toFile=" + toFile + " toPipe=" + toPipe);
            channelTransfer(src, dir.resolve("chan-" + m), m, want, results);
        }
    }

    /**
     * The channel layer's calls return EINTR instead of retrying it (a JDK close signals the thread,
     * zc_chan_transfer): its Java loop must call again from where the call stopped while both
     * channels are open, so every byte still arrives once, to a JDK FileChannel (held by its thread
     * set) and to a blocking socket (held by its lock and the JDK's record of the writer).
     */
    private static void channelTransfer(Path src, Path dst, TransferMethod m, byte[] want, java.util.List<String> results)
            throws Exception {
        long toFile;
        long toSocket = -1;
        byte[] viaSocket = new byte[0];
        try (FileChannel in = FileChannel.open(src);
             FileChannel out = FileChannel.open(dst, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
             ZeroCopyChannels.MethodScope forced = ZeroCopyChannels.forceMethod(m)) {
            toFile = ZeroCopyChannels.transferTo(in, 1, want.length, out);
            if (m != TransferMethod.COPY_FILE_RANGE) {
                try (dev.zerocopy.testkit.Loopback pair = dev.zerocopy.testkit.Loopback.open(0, 0)) {
                    java.util.concurrent.FutureTask<byte[]> reader = new java.util.concurrent.FutureTask<>(
                            () -> java.nio.channels.Channels.newInputStream(pair.server).readAllBytes());
                    new Thread(reader).start();
                    toSocket = ZeroCopyChannels.transferTo(in, 1, want.length, pair.client);
                    pair.client.close();
                    viaSocket = reader.get();
                }
            }
        }
        boolean fileOk = toFile == want.length && Arrays.equals(want, Files.readAllBytes(dst));
        boolean socketOk = m == TransferMethod.COPY_FILE_RANGE || (toSocket == want.length && Arrays.equals(want, viaSocket));
        results.add((fileOk && socketOk ? "ok " : "fail ") + "chan-" + m + " toFile=" + toFile + " toSocket=" + toSocket);
    }
}
