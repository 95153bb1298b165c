package dev.zerocopy;

import dev.zerocopy.testkit.Proc;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Child JVM for ChannelsSyscallTest, run under strace -f: each phase makes CALLS transfers of 4 KiB
 * on a thread of its own and prints that thread's tid, so the trace can be cut per phase.
 */
public final class SyscallCountChild {
    static final int CALLS = 1000;

    private SyscallCountChild() {
    }

    interface Transfer {
        long run() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        try (FileChannel jdk = FileChannel.open(file);
             ZeroCopyFileChannel zc = ZeroCopyFileChannel.open(file);
             FileChannel devNull = FileChannel.open(Path.of("/dev/null"), StandardOpenOption.WRITE);
             ZeroCopyFileChannel zcDevNull = ZeroCopyFileChannel.open(Path.of("/dev/null"), StandardOpenOption.WRITE);
             ServerSocketChannel ss = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
             SocketChannel full = SocketChannel.open(ss.getLocalAddress());
             SocketChannel peer = ss.accept();
             SocketChannel blocking = SocketChannel.open(ss.getLocalAddress());
             SocketChannel drained = ss.accept()) {
            Thread drainer = new Thread(() -> {
                ByteBuffer sink = ByteBuffer.allocateDirect(1 << 16);
                try {
                    while (drained.read(sink.clear()) >= 0) {
                        // discard
                    }
                } catch (java.io.IOException e) {
                    // closed at the end
                }
            });
            drainer.setDaemon(true);
            drainer.start();
            // A non-blocking socket whose peer never reads, filled until it takes nothing more.
            full.setOption(StandardSocketOptions.SO_SNDBUF, 8192);
            full.configureBlocking(false);
            ByteBuffer junk = ByteBuffer.allocateDirect(1 << 16);
            for (int idle = 0; idle < 50; ) {
                junk.clear();
                idle = full.write(junk) == 0 ? idle + 1 : 0;
            }
            phase("warmup", () -> zc.transferTo(0, 4096, zcDevNull) + zc.transferTo(0, 4096, devNull) + zc.transferTo(0, 4096, full)
                    + jdk.transferTo(0, 4096, full) + ZeroCopyChannels.transferTo(jdk, 0, 4096, full) + zc.transferTo(0, 4096, blocking));
            phase("zcToZc", () -> zc.transferTo(0, 4096, zcDevNull));
            phase("zcToJdk", () -> zc.transferTo(0, 4096, devNull));
            phase("nioToJdk", () -> jdk.transferTo(0, 4096, devNull));
            phase("zcToFullSocket", () -> zc.transferTo(0, 4096, full));
            phase("nioToFullSocket", () -> jdk.transferTo(0, 4096, full));
            phase("jdkFileToFullSocket", () -> ZeroCopyChannels.transferTo(jdk, 0, 4096, full));
            // A blocking socket, drained by another thread: held by its lock and the JDK's record of
            // the writing thread, no duplicate.
            phase("zcToBlockingSocket", () -> zc.transferTo(0, 4096, blocking));
            phase("nioToBlockingSocket", () -> jdk.transferTo(0, 4096, blocking));
            // Write readiness: the peer takes 16 KiB, then a transfer of 1 MiB fills what it freed and
            // stops short. One sendfile, as the JDK's; a second would only meet EAGAIN.
            peer.configureBlocking(false);
            ByteBuffer taken = ByteBuffer.allocateDirect(16 * 1024);
            phase("zcToDrained", () -> {
                taken.clear();
                peer.read(taken);
                return zc.transferTo(0, 1 << 20, full);
            });
            phase("nioToDrained", () -> {
                taken.clear();
                peer.read(taken);
                return jdk.transferTo(0, 1 << 20, full);
            });
            // The raw loops (NativeZeroCopy.sendfile, sendWithHeader) on the same socket: a short
            // count from a non-blocking target ends the call after one F_GETFL, not a second sendfile.
            int in = Fds.of(zc);
            int out = Fds.of(full);
            phase("rawToDrained", () -> {
                taken.clear();
                peer.read(taken);
                return NativeZeroCopy.sendfile(in, out, 0, 1 << 20);
            });
            ByteBuffer header = ByteBuffer.allocateDirect(100);
            phase("headerToDrained", () -> {
                taken.clear();
                peer.read(taken);
                header.clear();
                return KernelExperiments.sendWithHeader(out, header, in, 0, 1 << 20, null);
            });
        }
        System.out.println("done=true");
    }

    private static void phase(String name, Transfer t) throws Exception {
        long[] sum = {0};
        Exception[] failure = {null};
        Thread th = new Thread(() -> {
            System.out.println(name + ".tid=" + Proc.gettid());
            try {
                for (int i = 0; i < (name.equals("warmup") ? 5 * CALLS : CALLS); i++) {
                    sum[0] += t.run();
                }
            } catch (Exception e) {
                failure[0] = e;
            }
        });
        th.start();
        th.join();
        if (failure[0] != null) {
            throw failure[0];
        }
        System.out.println(name + ".bytes=" + sum[0]);
    }
}
