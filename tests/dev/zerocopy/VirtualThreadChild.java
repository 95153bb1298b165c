package dev.zerocopy;

import dev.zerocopy.testkit.Hashing;
import java.io.IOException;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Child JVM (JDK 21+) for ChannelsVirtualThreadTest: the channel layer called from virtual
 * threads. Compiled for JDK 17, so virtual threads are started through reflection. Prints
 * key=value lines.
 *
 * <pre>
 * VirtualThreadChild blocking FILE    a blocking socket the JDK made O_NONBLOCK: the whole file, then a non-blocking one: NIO's short count
 * VirtualThreadChild receive FILE     the same for transferFrom from a blocking socket
 * VirtualThreadChild pipes FILE       64 writer/reader pairs through Pipes (run with a small scheduler parallelism)
 * VirtualThreadChild buffers FILE     2,000 transfers to a channel without an fd at once (run with a small -Xmx)
 * </pre>
 */
public final class VirtualThreadChild {
    private VirtualThreadChild() {
    }

    interface Body {
        void run() throws Exception;
    }

    /** Starts body on a virtual thread (Thread.ofVirtual().start, by reflection: this compiles for 17). */
    static Thread virtual(Body body) throws Exception {
        Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
        Method start = Class.forName("java.lang.Thread$Builder").getMethod("start", Runnable.class);
        return (Thread) start.invoke(builder, (Runnable) () -> {
            try {
                body.run();
            } catch (Throwable e) {
                e.printStackTrace();
                System.out.println("error=" + e);
            }
        });
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[1]);
        switch (args[0]) {
            case "blocking":
                blocking(file);
                break;
            case "receive":
                receive(file);
                break;
            case "pipes":
                pipes(file);
                break;
            case "buffers":
                buffers(file);
                break;
            default:
                throw new IllegalArgumentException(args[0]);
        }
        System.out.println("done=true");
    }

    /** A connected pair on 127.0.0.1: [0] client, [1] accepted. */
    private static SocketChannel[] pair() throws IOException {
        try (ServerSocketChannel ss = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            SocketChannel c = SocketChannel.open(ss.getLocalAddress());
            return new SocketChannel[] {c, ss.accept()};
        }
    }

    /** Reads ch to end of stream on a platform thread, pausing so the sender's socket fills; the hash and count. */
    private static Thread drain(SocketChannel ch, MessageDigest md, AtomicLong count) {
        Thread t = new Thread(() -> {
            ByteBuffer b = ByteBuffer.allocate(64 * 1024);
            try {
                int n;
                while ((n = ch.read(b)) >= 0) {
                    md.update(b.array(), 0, n);
                    count.addAndGet(n);
                    b.clear();
                    Thread.sleep(1);
                }
            } catch (Exception e) {
                System.out.println("error=" + e);
            }
        });
        t.start();
        return t;
    }

    private static void blocking(Path file) throws Exception {
        long size = Files.size(file);
        String expected = Hashing.of(file, 0, size);
        for (String way : new String[] {"static", "wrapped"}) {
            SocketChannel[] p = pair();
            MessageDigest md = Hashing.sha256();
            AtomicLong received = new AtomicLong();
            Thread reader = drain(p[1], md, received);
            AtomicLong n = new AtomicLong(-1);
            Thread writer = virtual(() -> {
                p[0].write(ByteBuffer.wrap(new byte[0])); // the JDK makes the fd O_NONBLOCK for this virtual thread
                try (FileChannel in = way.equals("static") ? FileChannel.open(file) : ZeroCopyFileChannel.open(file)) {
                    n.set(way.equals("static") ? ZeroCopyChannels.transferTo(in, 0, size, p[0]) : in.transferTo(0, size, p[0]));
                }
                System.out.println(way + ".blockingMode=" + p[0].isBlocking());
                p[0].close();
            });
            writer.join();
            reader.join();
            p[1].close();
            System.out.println(way + ".n=" + n.get());
            System.out.println(way + ".received=" + received.get());
            System.out.println(way + ".hashOk=" + expected.equals(Hashing.hex(md.digest())));
        }
        // A non-blocking socket: NIO's short count, exactly what the peer gets.
        SocketChannel[] p = pair();
        AtomicLong n = new AtomicLong(-1);
        Thread writer = virtual(() -> {
            p[0].configureBlocking(false);
            try (FileChannel in = ZeroCopyFileChannel.open(file)) {
                n.set(in.transferTo(0, size, p[0]));
            }
            p[0].close();
        });
        writer.join();
        MessageDigest md = Hashing.sha256();
        AtomicLong received = new AtomicLong();
        drain(p[1], md, received).join();
        p[1].close();
        System.out.println("nonblocking.n=" + n.get());
        System.out.println("nonblocking.received=" + received.get());
        System.out.println("nonblocking.hashOk=" + Hashing.of(file, 0, n.get()).equals(Hashing.hex(md.digest())));
    }

    private static void receive(Path file) throws Exception {
        byte[] data = Files.readAllBytes(file);
        for (String way : new String[] {"static", "wrapped"}) {
            SocketChannel[] p = pair();
            Thread sender = new Thread(() -> {
                try {
                    for (int off = 0; off < data.length; off += 64 * 1024) {
                        ByteBuffer b = ByteBuffer.wrap(data, off, Math.min(64 * 1024, data.length - off));
                        while (b.hasRemaining()) {
                            p[0].write(b);
                        }
                        Thread.sleep(2); // the receiver finds the socket empty again and again
                    }
                    Thread.sleep(60_000); // no end of stream: only the count ends the transfer
                } catch (InterruptedException | java.nio.channels.ClosedByInterruptException e) {
                    // the receiver is done (it may finish before the last write returns)
                } catch (IOException e) {
                    System.out.println("error=" + e);
                }
            });
            sender.start();
            Path out = file.resolveSibling("received-" + way);
            AtomicLong n = new AtomicLong(-1);
            Thread receiver = virtual(() -> {
                p[1].read(ByteBuffer.allocate(0)); // the JDK makes the fd O_NONBLOCK for this virtual thread
                try (FileChannel dst = way.equals("static")
                        ? FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE)
                        : ZeroCopyFileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                    n.set(way.equals("static") ? ZeroCopyChannels.transferFrom(p[1], dst, 0, data.length)
                            : dst.transferFrom(p[1], 0, data.length));
                }
            });
            receiver.join();
            sender.interrupt();
            sender.join();
            p[0].close();
            p[1].close();
            System.out.println(way + ".n=" + n.get());
            System.out.println(way + ".hashOk=" + Hashing.of(data).equals(Hashing.of(Files.readAllBytes(out))));
        }
    }

    private static void pipes(Path file) throws Exception {
        long size = Files.size(file);
        String expected = Hashing.of(file, 0, size);
        int pairs = 64;
        AtomicInteger completed = new AtomicInteger();
        AtomicInteger bad = new AtomicInteger();
        Thread[] threads = new Thread[2 * pairs];
        for (int i = 0; i < pairs; i++) {
            Pipe pipe = Pipe.open();
            boolean wrapped = i % 2 == 1;
            threads[2 * i] = virtual(() -> {
                try (FileChannel in = wrapped ? ZeroCopyFileChannel.open(file) : FileChannel.open(file); Pipe.SinkChannel sink = pipe.sink()) {
                    long done = 0;
                    while (done < size) {
                        done += wrapped ? in.transferTo(done, size - done, sink) : ZeroCopyChannels.transferTo(in, done, size - done, sink);
                    }
                }
            });
            threads[2 * i + 1] = virtual(() -> {
                MessageDigest md = Hashing.sha256();
                ByteBuffer b = ByteBuffer.allocate(16 * 1024);
                try (Pipe.SourceChannel source = pipe.source()) {
                    while (source.read(b) >= 0) {
                        md.update(b.array(), 0, b.position());
                        b.clear();
                    }
                }
                if (expected.equals(Hashing.hex(md.digest()))) {
                    completed.incrementAndGet();
                } else {
                    bad.incrementAndGet();
                }
            });
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (Thread t : threads) {
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        }
        System.out.println("pairs=" + pairs);
        System.out.println("completed=" + completed.get());
        System.out.println("bad=" + bad.get());
        if (completed.get() + bad.get() < pairs) {
            System.out.println("hang=true");
            System.out.flush();
            Runtime.getRuntime().halt(3); // carriers pinned in native code: nothing else will end this JVM
        }
    }

    private static void buffers(Path file) throws Exception {
        int threads = 2000;
        long size = Files.size(file);
        for (String way : new String[] {"jdk", "static"}) {
            CountDownLatch all = new CountDownLatch(threads);
            AtomicInteger ok = new AtomicInteger();
            AtomicInteger failed = new AtomicInteger();
            AtomicLong bytes = new AtomicLong();
            Thread[] ts = new Thread[threads];
            for (int i = 0; i < threads; i++) {
                ts[i] = virtual(() -> {
                    // A channel without an fd whose write waits until every thread is inside one: all 2,000
                    // copy loops hold their buffer at once.
                    WritableByteChannel slow = new WritableByteChannel() {
                        private boolean arrived;

                        @Override
                        public int write(ByteBuffer src) throws IOException {
                            if (!arrived) {
                                arrived = true;
                                all.countDown();
                                try {
                                    all.await(60, TimeUnit.SECONDS);
                                } catch (InterruptedException e) {
                                    throw new IOException(e);
                                }
                            }
                            int n = src.remaining();
                            src.position(src.limit());
                            bytes.addAndGet(n);
                            return n;
                        }

                        @Override
                        public boolean isOpen() {
                            return true;
                        }

                        @Override
                        public void close() {
                        }
                    };
                    try (FileChannel in = FileChannel.open(file)) {
                        long n = way.equals("jdk") ? in.transferTo(0, size, slow) : ZeroCopyChannels.transferTo(in, 0, size, slow);
                        if (n == size) {
                            ok.incrementAndGet();
                        }
                    } catch (Throwable e) {
                        if (failed.getAndIncrement() == 0) {
                            System.out.println(way + ".firstFailure=" + e);
                        }
                        all.countDown();
                    }
                });
            }
            for (Thread t : ts) {
                t.join();
            }
            System.out.println(way + ".ok=" + ok.get());
            System.out.println(way + ".failed=" + failed.get());
            System.out.println(way + ".bytes=" + bytes.get());
        }
    }
}
