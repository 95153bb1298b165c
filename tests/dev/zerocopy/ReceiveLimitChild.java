package dev.zerocopy;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Paths;

/**
 * Run by ChannelsFaultInjectionTest in a child JVM under {@code ulimit -f}: receives a socket
 * stream into a file with transferFrom (splice socket -> pipe -> file) until the file size limit
 * stops it, and prints the accounting: bytes that reached the file, bytes reported lost, bytes
 * still in the socket. They must add up to what was sent.
 */
public final class ReceiveLimitChild {
    private ReceiveLimitChild() {
    }

    public static void main(String[] args) throws Exception {
        int sent = Integer.parseInt(args[1]);
        try (ServerSocketChannel ss = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
             SocketChannel client = SocketChannel.open(ss.getLocalAddress());
             SocketChannel server = ss.accept();
             FileChannel out = ZeroCopyFileChannel.open(Paths.get(args[0]), CREATE, READ, WRITE)) {
            Thread writer = new Thread(() -> {
                try {
                    ByteBuffer bb = ByteBuffer.allocate(sent);
                    while (bb.hasRemaining()) {
                        client.write(bb);
                    }
                    client.shutdownOutput();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            writer.start();
            long total = 0;
            try {
                long n;
                while ((n = out.transferFrom(server, total, sent - total)) > 0) {
                    total += n;
                }
                System.out.println("outcome=completed");
            } catch (ErrnoException e) {
                total += e.bytesTransferred();
                System.out.println("outcome=" + e.errnoName());
                System.out.println("message=" + e.getMessage());
            }
            long rest = 0;
            ByteBuffer bb = ByteBuffer.allocate(1 << 16);
            int r;
            while ((r = server.read(bb.clear())) > 0) {
                rest += r;
            }
            writer.join();
            System.out.println("inFile=" + total);
            System.out.println("size=" + out.size());
            System.out.println("lost=" + NativeLibrary.shim().zc_splice_from_lost());
            System.out.println("rest=" + rest);
        }
    }
}
