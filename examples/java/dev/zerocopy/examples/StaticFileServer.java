package dev.zerocopy.examples;

import dev.zerocopy.Fds;
import dev.zerocopy.KernelExperiments;
import dev.zerocopy.NativeZeroCopy;
import dev.zerocopy.TransferMethod;
import dev.zerocopy.ZeroCopyChannels;
import dev.zerocopy.ZeroCopyFileChannel;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.FileChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small static-file HTTP/1.1 server on plain NIO: one selector thread, non-blocking sockets,
 * keep-alive and pipelining, Content-Length, GET and HEAD, a single byte range (206, 416), 404 and
 * 405. The body goes out with {@code FileChannel.transferTo}; headers from a per-connection
 * direct buffer. The swap is the single line in {@link #openFile}: {@code FileChannel.open}
 * (mode NIO) or {@code ZeroCopyFileChannel.open} (mode ZEROCOPY). In ZEROCOPY mode with sendfile
 * (the default method, or SENDFILE forced) a response's first write is one
 * {@link KernelExperiments#sendWithHeader} call, header and body together (one segment for a small
 * response instead of two); whatever a full socket leaves of it goes the normal way, through a
 * ZeroCopyChannels.transferTo on the plain FileChannel. After a short transfer (the socket's buffer is
 * full) the connection waits for write readiness rather than asking again for an EAGAIN.
 *
 * <p>Meant to be copied, so it holds up against hostile clients: requests are parsed strictly
 * with bounded head size and field count ({@link RequestHead}); a request body is read and
 * dropped, never taken for the next request; only regular files whose real path is under the
 * root are served ({@link RootFiles}); a connection idle for {@code idleMillis}, or whose request
 * head is not complete {@code headMillis} after its first byte, is closed; when accept(2) fails
 * (EMFILE: out of descriptors) the server stops accepting for a moment and keeps serving the
 * connections it has, the new ones waiting in the listen backlog.
 *
 * <pre>
 * java -cp target/native-zerocopy-examples.jar dev.zerocopy.examples.StaticFileServer \
 *      --root DIR [--port 8080] [--host 127.0.0.1] [--mode nio|zerocopy] [--method SENDFILE|SPLICE|MMAP_WRITE|READ_WRITE]
 *      [--idle-timeout-ms 30000] [--head-timeout-ms 10000]
 * </pre>
 * The same switches as system properties: {@code -Dzc.mode=zerocopy -Dzc.method=SPLICE}.
 */
public final class StaticFileServer implements Closeable {
    /** Which FileChannel the server opens files with. */
    public enum Mode { NIO, ZEROCOPY }

    /**
     * How long a connection may stay silent (no byte read or written), and how long a request head
     * may take from its first byte to its end (a client trickling a head byte by byte is not idle).
     */
    public record Timeouts(long idleMillis, long headMillis) {
        public static final Timeouts DEFAULT = new Timeouts(30_000, 10_000);

        public Timeouts {
            if (idleMillis <= 0 || headMillis <= 0) {
                throw new IllegalArgumentException("timeouts must be positive: " + idleMillis + ", " + headMillis);
            }
        }
    }

    /** How long accepting pauses after accept(2) failed (EMFILE, ENFILE, ENOBUFS). */
    private static final long ACCEPT_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final RootFiles files;
    private final Timeouts timeouts;
    private volatile Mode mode;
    private volatile TransferMethod method;
    private final ServerSocketChannel server;
    private final SelectionKey acceptKey;
    private final Selector selector;
    private final Thread thread;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running = true;
    /** System.nanoTime() until which accepting is paused, or 0. */
    private long acceptPausedUntil;
    private long nextSweep;
    private final AtomicInteger openConnections = new AtomicInteger();
    private final AtomicInteger openFiles = new AtomicInteger();
    private final AtomicLong bodyBytes = new AtomicLong();
    private final AtomicLong responses = new AtomicLong();
    private final AtomicLong sendWithHeaderResponses = new AtomicLong();
    private final AtomicLong acceptFailures = new AtomicLong();
    private final AtomicLong timedOut = new AtomicLong();
    private final AtomicLong internalErrors = new AtomicLong();

    /** {@link #StaticFileServer(Path, String, int, Mode, TransferMethod, Timeouts)} with {@link Timeouts#DEFAULT}. */
    public StaticFileServer(Path root, String host, int port, Mode mode, TransferMethod method) throws IOException {
        this(root, host, port, mode, method, Timeouts.DEFAULT);
    }

    /**
     * Binds to host:port (0: any free port) and starts serving files under root.
     *
     * @param method forces a transfer method in ZEROCOPY mode (null: the library chooses)
     */
    public StaticFileServer(Path root, String host, int port, Mode mode, TransferMethod method, Timeouts timeouts) throws IOException {
        // Loaded now, not at the first request: by then the process may be out of descriptors and
        // the library's load (which opens its .so) would fail on the selector thread.
        NativeZeroCopy.ensureAvailable();
        this.files = new RootFiles(root);
        this.timeouts = timeouts;
        configure(mode, method);
        this.selector = Selector.open();
        this.server = ServerSocketChannel.open();
        server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        server.bind(new InetSocketAddress(host, port), 512);
        server.configureBlocking(false);
        this.acceptKey = server.register(selector, SelectionKey.OP_ACCEPT);
        this.thread = new Thread(this::loop, "static-file-server-" + mode.name().toLowerCase(Locale.ROOT));
        thread.start();
    }

    /**
     * Switches the mode (and forced method) for the files opened from now on; a benchmark uses it
     * to compare modes on one server thread and one connection.
     */
    public void configure(Mode mode, TransferMethod method) {
        if (method != null && mode != Mode.ZEROCOPY) {
            throw new IllegalArgumentException("--method needs --mode zerocopy");
        }
        if (method == TransferMethod.COPY_FILE_RANGE) {
            throw new IllegalArgumentException("copy_file_range writes files only, not sockets");
        }
        this.method = method;
        this.mode = mode;
    }

    public int port() {
        return ((InetSocketAddress) server.socket().getLocalSocketAddress()).getPort();
    }

    /** The selector thread (e.g. to read its CPU time). */
    public Thread thread() {
        return thread;
    }

    public int openConnections() {
        return openConnections.get();
    }

    public int openFiles() {
        return openFiles.get();
    }

    public long bodyBytes() {
        return bodyBytes.get();
    }

    public long responses() {
        return responses.get();
    }

    /** Responses whose header and body started with one KernelExperiments.sendWithHeader call. */
    public long sendWithHeaderResponses() {
        return sendWithHeaderResponses.get();
    }

    /**
     * Connections dropped because handling them threw something other than an IOException (a bug
     * in the server, not a client's doing); the fuzz test expects none.
     */
    public long internalErrors() {
        return internalErrors.get();
    }

    /** One line of counters, printed at exit by {@link #main}: how the responses went out. */
    public String stats() {
        return "stats: responses=" + responses() + " sendWithHeader=" + sendWithHeaderResponses() + " bodyBytes=" + bodyBytes()
                + " acceptFailures=" + acceptFailures.get() + " timedOut=" + timedOut.get() + " internalErrors=" + internalErrors();
    }

    @Override
    public void close() throws IOException {
        running = false;
        selector.wakeup();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The one line that differs between the two modes; null if the file opened is not under the
     * root (symlinks followed). In ZEROCOPY mode with sendfile (the default method, or SENDFILE
     * forced) the response starts with one sendWithHeader call on the file's fd
     * ({@code c.openedFd}), and the channel is a plain FileChannel whose remainder, if that call
     * leaves one, {@link #sendRemainder} sends through the channel layer.
     */
    FileChannel openFile(Path p, Connection c) throws IOException {
        c.openedFd = -1;
        TransferMethod m = method;
        boolean oneCall = mode == Mode.ZEROCOPY && (m == null || m == TransferMethod.SENDFILE);
        FileChannel ch = mode == Mode.NIO || oneCall
                ? FileChannel.open(p, StandardOpenOption.READ)
                : ZeroCopyFileChannel.open(p, StandardOpenOption.READ); // the swap
        openFiles.incrementAndGet();
        try {
            if (!files.contains(ch)) {
                closeFile(ch);
                return null;
            }
            if (ch instanceof ZeroCopyFileChannel) {
                ((ZeroCopyFileChannel) ch).forceMethod(m);
            }
            if (oneCall) {
                c.openedFd = Fds.of(ch); // stays open as long as ch, which only this thread closes (HAZARDS 13)
            }
            return ch;
        } catch (IOException | RuntimeException e) {
            c.openedFd = -1;
            closeFile(ch);
            throw e;
        }
    }

    /**
     * Sends what sendWithHeader left of a body (ZEROCOPY mode): {@code file} stays the plain JDK
     * FileChannel and the channel layer's static transferTo serves it, the other one-line swap
     * ({@code ZeroCopyChannels.transferTo(file, ...)} for {@code file.transferTo(...)}). Wrapping it
     * in a ZeroCopyFileChannel instead cost a descriptor duplicate, its close and a Cleaner per
     * response that had a remainder.
     */
    long sendRemainder(FileChannel file, long position, long count, SocketChannel target) throws IOException {
        if (method == null) {
            return ZeroCopyChannels.transferTo(file, position, count, target);
        }
        try (ZeroCopyChannels.MethodScope forced = ZeroCopyChannels.forceMethod(method)) {
            return ZeroCopyChannels.transferTo(file, position, count, target);
        }
    }

    RootFiles files() {
        return files;
    }

    void closeFile(FileChannel f) {
        closeQuietly(f);
        openFiles.decrementAndGet();
    }

    void countBody(long n) {
        bodyBytes.addAndGet(n);
    }

    void countResponse() {
        responses.incrementAndGet();
    }

    void countSendWithHeader() {
        sendWithHeaderResponses.incrementAndGet();
    }

    /** Called once by Connection.close(). */
    void closed(Connection c) {
        closeQuietly(c.ch);
        openConnections.decrementAndGet();
    }

    // ------------------------------------------------------------------ event loop

    private void loop() {
        try {
            nextSweep = System.nanoTime() + sweepNanos();
            while (running) {
                long now = System.nanoTime();
                long wake = nextSweep;
                if (acceptPausedUntil != 0) {
                    wake = Math.min(wake, acceptPausedUntil);
                }
                selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(wake - now) + 1));
                now = System.nanoTime();
                Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey key = it.next();
                    it.remove();
                    if (!key.isValid()) {
                        continue;
                    }
                    if (key == acceptKey) {
                        accept(now);
                        continue;
                    }
                    Connection c = (Connection) key.attachment();
                    try {
                        if (key.isWritable()) {
                            c.writable(now);
                        } else if (key.isReadable()) {
                            c.readable(now);
                        }
                    } catch (IOException e) {
                        c.close(); // reset peer, broken pipe, ...: drop the connection, keep serving
                    } catch (RuntimeException e) {
                        internalErrors.incrementAndGet();
                        e.printStackTrace();
                        c.close();
                    }
                }
                timers(now);
            }
        } catch (IOException e) {
            e.printStackTrace();
        } finally {
            for (SelectionKey key : selector.keys()) {
                if (key.attachment() instanceof Connection) {
                    ((Connection) key.attachment()).close();
                }
            }
            closeQuietly(server);
            closeQuietly(selector);
            stopped.countDown();
        }
    }

    private long sweepNanos() {
        // A quarter of the shorter timeout: a connection is closed at most 25% late.
        return TimeUnit.MILLISECONDS.toNanos(Math.max(1, Math.min(timeouts.idleMillis(), timeouts.headMillis()) / 4));
    }

    /** Resumes accepting after a pause; closes connections past their idle or head timeout. */
    private void timers(long now) {
        if (acceptPausedUntil != 0 && now - acceptPausedUntil >= 0) {
            acceptPausedUntil = 0;
            acceptKey.interestOps(SelectionKey.OP_ACCEPT);
        }
        if (now - nextSweep < 0) {
            return;
        }
        nextSweep = now + sweepNanos();
        long idle = TimeUnit.MILLISECONDS.toNanos(timeouts.idleMillis());
        long head = TimeUnit.MILLISECONDS.toNanos(timeouts.headMillis());
        List<Connection> late = new ArrayList<>();
        for (SelectionKey key : selector.keys()) {
            if (key.attachment() instanceof Connection) {
                Connection c = (Connection) key.attachment();
                if (now - c.lastProgress > idle || (c.headStarted != 0 && now - c.headStarted > head)) {
                    late.add(c);
                }
            }
        }
        for (Connection c : late) {
            timedOut.incrementAndGet();
            c.timedOut(now);
        }
    }

    private void accept(long now) {
        while (true) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (IOException e) {
                // EMFILE or ENFILE (out of descriptors), ENOBUFS, ENOMEM: the connection stays in
                // the backlog. Stop asking for a moment: the listening socket stays readable, so
                // asking again at once would spin, and giving up would end the server.
                acceptFailures.incrementAndGet();
                acceptPausedUntil = now + ACCEPT_PAUSE_NANOS;
                acceptKey.interestOps(0);
                return;
            }
            if (ch == null) {
                return;
            }
            try {
                ch.configureBlocking(false);
                // Header and body are two writes: without NODELAY, Nagle would hold a small body back
                // until the header is acknowledged.
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                Connection c = new Connection(this, ch, now);
                c.key = ch.register(selector, SelectionKey.OP_READ, c);
                openConnections.incrementAndGet();
            } catch (IOException e) {
                closeQuietly(ch);
            }
        }
    }

    private static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    // ------------------------------------------------------------------ main

    public static void main(String[] args) throws Exception {
        Path root = null;
        String host = "127.0.0.1";
        int port = 8080;
        long idle = Timeouts.DEFAULT.idleMillis();
        long headTimeout = Timeouts.DEFAULT.headMillis();
        Mode mode = Mode.valueOf(System.getProperty("zc.mode", "nio").toUpperCase(Locale.ROOT));
        String m = System.getProperty("zc.method");
        TransferMethod method = m == null || m.isEmpty() ? null : TransferMethod.valueOf(m.toUpperCase(Locale.ROOT));
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--root": root = Paths.get(args[++i]); break;
                case "--host": host = args[++i]; break;
                case "--port": port = Integer.parseInt(args[++i]); break;
                case "--mode": mode = Mode.valueOf(args[++i].toUpperCase(Locale.ROOT)); break;
                case "--method": method = TransferMethod.valueOf(args[++i].toUpperCase(Locale.ROOT)); break;
                case "--idle-timeout-ms": idle = Long.parseLong(args[++i]); break;
                case "--head-timeout-ms": headTimeout = Long.parseLong(args[++i]); break;
                default:
                    System.err.println("usage: StaticFileServer --root DIR [--host 127.0.0.1] [--port 8080] "
                            + "[--mode nio|zerocopy] [--method SENDFILE|SPLICE|MMAP_WRITE|READ_WRITE] "
                            + "[--idle-timeout-ms 30000] [--head-timeout-ms 10000]");
                    System.exit(2);
            }
        }
        if (root == null) {
            System.err.println("--root DIR is required");
            System.exit(2);
        }
        StaticFileServer s = new StaticFileServer(root, host, port, mode, method, new Timeouts(idle, headTimeout));
        // The counters at exit (SIGTERM, Ctrl-C): StaticFileServerTest reads which path served the responses.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println(s.stats());
            System.out.flush();
        }, "static-file-server-stats"));
        System.out.println("listening on " + host + ":" + s.port() + " mode=" + mode + " method=" + (method == null ? "auto" : method));
        System.out.flush();
        s.thread.join();
    }
}
