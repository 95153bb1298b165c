package dev.zerocopy.examples;

import dev.zerocopy.Fds;
import dev.zerocopy.KernelExperiments;
import dev.zerocopy.NativeZeroCopy;
import dev.zerocopy.TransferMethod;
import dev.zerocopy.ZeroCopyFileChannel;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
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
 * response instead of two); whatever a full socket leaves of it goes the normal way.
 *
 * <pre>
 * java -cp target/native-zerocopy-examples.jar dev.zerocopy.examples.StaticFileServer \
 *      --root DIR [--port 8080] [--host 127.0.0.1] [--mode nio|zerocopy] [--method SENDFILE|SPLICE|MMAP_WRITE|READ_WRITE]
 * </pre>
 * The same switches as system properties: {@code -Dzc.mode=zerocopy -Dzc.method=SPLICE}.
 */
public final class StaticFileServer implements Closeable {
    /** Which FileChannel the server opens files with. */
    public enum Mode { NIO, ZEROCOPY }

    private static final int REQUEST_LIMIT = 8192;
    private static final int HEAD_CAPACITY = 1024;
    private static final byte[] HEADER_END = {'\r', '\n', '\r', '\n'};

    private final Path root;
    private volatile Mode mode;
    private volatile TransferMethod method;
    private final ServerSocketChannel server;
    private final Selector selector;
    private final Thread thread;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running = true;
    private final AtomicInteger openConnections = new AtomicInteger();
    private final AtomicInteger openFiles = new AtomicInteger();
    private final AtomicLong bodyBytes = new AtomicLong();
    private final AtomicLong responses = new AtomicLong();
    private final AtomicLong sendWithHeaderResponses = new AtomicLong();

    /**
     * Binds to host:port (0: any free port) and starts serving files under root.
     *
     * @param method forces a transfer method in ZEROCOPY mode (null: the library chooses)
     */
    public StaticFileServer(Path root, String host, int port, Mode mode, TransferMethod method) throws IOException {
        this.root = root.toRealPath();
        configure(mode, method);
        this.selector = Selector.open();
        this.server = ServerSocketChannel.open();
        server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        server.bind(new InetSocketAddress(host, port), 512);
        server.configureBlocking(false);
        server.register(selector, SelectionKey.OP_ACCEPT);
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

    /** Responses whose header and body started with one NativeZeroCopy.sendWithHeader call. */
    public long sendWithHeaderResponses() {
        return sendWithHeaderResponses.get();
    }

    /** One line of counters, printed at exit by {@link #main}: how the responses went out. */
    public String stats() {
        return "stats: responses=" + responses() + " sendWithHeader=" + sendWithHeaderResponses() + " bodyBytes=" + bodyBytes();
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
     * The one line that differs between the two modes. In ZEROCOPY mode with sendfile, also tells
     * the connection the file's fd for sendWithHeader (the wrapped JDK channel's: it stays open as
     * long as the returned channel, which only this connection's thread closes; HAZARDS 13).
     */
    private FileChannel openFile(Path p, Conn c) throws IOException {
        c.openedFd = -1;
        if (mode == Mode.NIO) {
            return FileChannel.open(p, StandardOpenOption.READ);
        }
        TransferMethod m = method;
        if (m == null || m == TransferMethod.SENDFILE) {
            FileChannel plain = FileChannel.open(p, StandardOpenOption.READ);
            ZeroCopyFileChannel ch;
            try {
                c.openedFd = Fds.of(plain);
                ch = ZeroCopyFileChannel.wrap(plain);
            } catch (IOException | RuntimeException e) {
                c.openedFd = -1;
                plain.close();
                throw e;
            }
            ch.setTransferMethod(m);
            return ch;
        }
        ZeroCopyFileChannel ch = ZeroCopyFileChannel.open(p, StandardOpenOption.READ);
        ch.setTransferMethod(m);
        return ch;
    }

    // ------------------------------------------------------------------ event loop

    private void loop() {
        try {
            while (running) {
                selector.select();
                Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey key = it.next();
                    it.remove();
                    if (!key.isValid()) {
                        continue;
                    }
                    if (key.isAcceptable()) {
                        accept();
                        continue;
                    }
                    Conn c = (Conn) key.attachment();
                    try {
                        if (key.isWritable()) {
                            c.resume();
                        } else if (key.isReadable()) {
                            c.readable();
                        }
                    } catch (IOException | RuntimeException e) {
                        c.close(); // reset peer, broken pipe, ...: drop the connection, keep serving
                    }
                }
            }
        } catch (IOException e) {
            e.printStackTrace();
        } finally {
            for (SelectionKey key : selector.keys()) {
                if (key.attachment() instanceof Conn) {
                    ((Conn) key.attachment()).close();
                }
            }
            closeQuietly(server);
            closeQuietly(selector);
            stopped.countDown();
        }
    }

    private void accept() throws IOException {
        SocketChannel ch;
        while ((ch = server.accept()) != null) {
            ch.configureBlocking(false);
            // Header and body are two writes: without NODELAY, Nagle would hold a small body back
            // until the header is acknowledged.
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            Conn c = new Conn(ch);
            c.key = ch.register(selector, SelectionKey.OP_READ, c);
            openConnections.incrementAndGet();
        }
    }

    private static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    // ------------------------------------------------------------------ one connection

    private final class Conn {
        final SocketChannel ch;
        SelectionKey key;
        final ByteBuffer in = ByteBuffer.allocate(REQUEST_LIMIT);
        final ByteBuffer head = ByteBuffer.allocateDirect(HEAD_CAPACITY);
        FileChannel file;
        /** The fd openFile found for sendWithHeader (-1: not that path), until the response takes it. */
        int openedFd = -1;
        /** The body file's fd while this response's first write is to be sendWithHeader, else -1. */
        int bodyFd = -1;
        /** The socket's fd, for sendWithHeader. */
        int socketFd = -1;
        long pos;
        long end;
        boolean closeAfter;
        boolean closed;

        Conn(SocketChannel ch) {
            this.ch = ch;
            head.limit(0); // nothing to send yet
        }

        void readable() throws IOException {
            int n = ch.read(in);
            if (n < 0) {
                close();
                return;
            }
            serveBuffered();
        }

        /** Serves every complete request in the buffer, stopping when a response cannot finish now. */
        void serveBuffered() throws IOException {
            while (!closed && file == null && !head.hasRemaining()) {
                int endOfHeaders = indexOf(in, HEADER_END);
                if (endOfHeaders < 0) {
                    if (!in.hasRemaining()) {
                        error(431, "Request Header Fields Too Large", true);
                        if (!flush()) {
                            return;
                        }
                    }
                    return;
                }
                String request = new String(in.array(), 0, endOfHeaders, StandardCharsets.ISO_8859_1);
                // Drop the request from the buffer, keep what follows (a pipelined request).
                int consumed = endOfHeaders + HEADER_END.length;
                in.flip().position(consumed);
                in.compact();
                respond(request);
                if (!flush()) {
                    return; // wait for OP_WRITE
                }
                if (closed) {
                    return;
                }
            }
        }

        /** Writes the header, then the body; true when the response is complete. */
        boolean flush() throws IOException {
            if (bodyFd >= 0 && file != null && pos < end) {
                oneCall();
            }
            while (head.hasRemaining()) {
                if (ch.write(head) == 0) {
                    key.interestOps(SelectionKey.OP_WRITE);
                    return false;
                }
            }
            while (file != null && pos < end) {
                long n = file.transferTo(pos, end - pos, ch);
                if (n == 0) {
                    if (pos >= file.size()) {
                        throw new IOException("file shrank under the response");
                    }
                    key.interestOps(SelectionKey.OP_WRITE);
                    return false;
                }
                pos += n;
                bodyBytes.addAndGet(n);
            }
            finishResponse();
            return true;
        }

        /**
         * The response's first write: header (direct buffer) and body by sendfile in one native
         * call, MSG_MORE on the header so both leave in full segments. On this non-blocking socket
         * it may stop early at EAGAIN (NativeZeroCopy.sendWithHeader: a short count, the header's
         * position advanced by what of it left): the header's rest and the body's rest then go
         * the normal way in flush(), from where this call stopped. Tried once per response.
         */
        private void oneCall() throws IOException {
            int fd = bodyFd;
            bodyFd = -1;
            if (socketFd < 0) {
                socketFd = Fds.of(ch);
            }
            int headerBytes = head.remaining();
            long n = KernelExperiments.sendWithHeader(socketFd, head, fd, pos, end - pos, null);
            long body = Math.max(0, n - headerBytes); // head's position already advanced by min(n, headerBytes)
            pos += body;
            bodyBytes.addAndGet(body);
            sendWithHeaderResponses.incrementAndGet();
        }

        void resume() throws IOException {
            if (flush() && !closed) {
                key.interestOps(SelectionKey.OP_READ);
                serveBuffered();
            }
        }

        private void finishResponse() {
            closeFile();
            responses.incrementAndGet();
            if (closeAfter) {
                close();
            }
        }

        private void respond(String request) throws IOException {
            int lineEnd = request.indexOf("\r\n");
            String line = lineEnd < 0 ? request : request.substring(0, lineEnd);
            String[] parts = line.split(" ");
            if (parts.length != 3 || !parts[2].startsWith("HTTP/1.")) {
                error(400, "Bad Request", true);
                return;
            }
            boolean http10 = parts[2].equals("HTTP/1.0");
            String connection = header(request, "connection");
            closeAfter = http10 ? !"keep-alive".equalsIgnoreCase(connection) : "close".equalsIgnoreCase(connection);
            String methodName = parts[0];
            boolean headOnly = methodName.equals("HEAD");
            if (!headOnly && !methodName.equals("GET")) {
                // A body we do not read may follow: close after the answer.
                closeAfter = true;
                startHead(405, "Method Not Allowed");
                putAscii("Allow: GET, HEAD\r\nContent-Length: 0\r\n");
                endHead();
                return;
            }
            Path p = resolve(parts[1]);
            if (p == null) {
                error(404, "Not Found", false);
                return;
            }
            FileChannel f;
            try {
                f = openFile(p, this);
            } catch (IOException e) {
                error(404, "Not Found", false);
                return;
            }
            openFiles.incrementAndGet();
            long size = f.size();
            long from = 0;
            long to = size - 1;
            boolean partial = false;
            String range = header(request, "range");
            if (range != null) {
                long[] r = parseRange(range, size);
                if (r == UNSATISFIABLE) {
                    closeChannel(f);
                    startHead(416, "Range Not Satisfiable");
                    putAscii("Content-Range: bytes */");
                    putLong(size);
                    putAscii("\r\nContent-Length: 0\r\n");
                    endHead();
                    return;
                }
                if (r != null) {
                    from = r[0];
                    to = r[1];
                    partial = true;
                }
            }
            long length = to - from + 1;
            startHead(partial ? 206 : 200, partial ? "Partial Content" : "OK");
            putAscii("Content-Type: application/octet-stream\r\nAccept-Ranges: bytes\r\nContent-Length: ");
            putLong(length);
            putAscii("\r\n");
            if (partial) {
                putAscii("Content-Range: bytes ");
                putLong(from);
                putAscii("-");
                putLong(to);
                putAscii("/");
                putLong(size);
                putAscii("\r\n");
            }
            endHead();
            if (headOnly || length == 0) {
                closeChannel(f);
                return;
            }
            file = f;
            bodyFd = openedFd;
            pos = from;
            end = from + length;
        }

        private void error(int status, String reason, boolean close) {
            closeAfter |= close;
            startHead(status, reason);
            putAscii("Content-Length: 0\r\n");
            endHead();
        }

        private void startHead(int status, String reason) {
            head.clear();
            putAscii("HTTP/1.1 ");
            putLong(status);
            putAscii(" ");
            putAscii(reason);
            putAscii("\r\nServer: native-zerocopy-example\r\n");
        }

        private void endHead() {
            putAscii(closeAfter ? "Connection: close\r\n\r\n" : "Connection: keep-alive\r\n\r\n");
            head.flip();
        }

        private void putAscii(String s) {
            for (int i = 0; i < s.length(); i++) {
                head.put((byte) s.charAt(i));
            }
        }

        private void putLong(long v) {
            if (v >= 10) {
                putLong(v / 10);
            }
            head.put((byte) ('0' + (v % 10)));
        }

        private void closeFile() {
            bodyFd = -1;
            if (file != null) {
                closeChannel(file);
                file = null;
            }
        }

        private void closeChannel(FileChannel f) {
            closeQuietly(f);
            openFiles.decrementAndGet();
        }

        void close() {
            if (closed) {
                return;
            }
            closed = true;
            closeFile();
            key.cancel();
            closeQuietly(ch);
            openConnections.decrementAndGet();
        }
    }

    // ------------------------------------------------------------------ parsing

    private static final long[] UNSATISFIABLE = new long[0];

    /**
     * A single range of "bytes=first-last", "bytes=first-" or "bytes=-suffix": {first, last}
     * clamped to the file; null to ignore the header (not bytes, several ranges, bad syntax; RFC
     * 9110 14.2 lets a server ignore it); UNSATISFIABLE when no byte of the file is in it.
     */
    static long[] parseRange(String value, long size) {
        String v = value.trim();
        if (!v.regionMatches(true, 0, "bytes=", 0, 6)) {
            return null;
        }
        String spec = v.substring(6).trim();
        if (spec.indexOf(',') >= 0) {
            return null;
        }
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return null;
        }
        try {
            String a = spec.substring(0, dash).trim();
            String b = spec.substring(dash + 1).trim();
            if (a.isEmpty()) {
                if (b.isEmpty()) {
                    return null;
                }
                long suffix = Long.parseLong(b);
                if (suffix < 0) {
                    return null;
                }
                if (suffix == 0 || size == 0) {
                    return UNSATISFIABLE;
                }
                return new long[] {Math.max(0, size - suffix), size - 1};
            }
            long first = Long.parseLong(a);
            long last = b.isEmpty() ? Long.MAX_VALUE : Long.parseLong(b);
            if (first < 0 || last < first) {
                return null;
            }
            if (first >= size) {
                return UNSATISFIABLE;
            }
            return new long[] {first, Math.min(last, size - 1)};
        } catch (NumberFormatException e) {
            return null; // includes values past Long.MAX_VALUE
        }
    }

    /** The file under root a request target names, or null (missing, not a regular file, outside root). */
    private Path resolve(String target) {
        int q = target.indexOf('?');
        String path = q >= 0 ? target.substring(0, q) : target;
        if (!path.startsWith("/")) {
            return null;
        }
        String decoded = percentDecode(path);
        if (decoded == null || decoded.indexOf('\0') >= 0) {
            return null;
        }
        Path p = root.resolve(decoded.substring(1)).normalize();
        if (!p.startsWith(root) || !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        return p;
    }

    private static String percentDecode(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        byte[] out = new byte[s.length()];
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length()) {
                    return null;
                }
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    return null;
                }
                out[n++] = (byte) (hi << 4 | lo);
                i += 2;
            } else {
                out[n++] = (byte) c;
            }
        }
        return new String(out, 0, n, StandardCharsets.UTF_8);
    }

    /** The value of a header (name in lower case), or null. */
    private static String header(String request, String name) {
        int i = request.indexOf("\r\n");
        while (i >= 0 && i + 2 < request.length()) {
            int next = request.indexOf("\r\n", i + 2);
            String line = request.substring(i + 2, next < 0 ? request.length() : next);
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                return line.substring(colon + 1).trim();
            }
            i = next;
        }
        return null;
    }

    private static int indexOf(ByteBuffer buf, byte[] pattern) {
        byte[] a = buf.array();
        int limit = buf.position() - pattern.length;
        outer:
        for (int i = 0; i <= limit; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (a[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    // ------------------------------------------------------------------ main

    public static void main(String[] args) throws Exception {
        Path root = null;
        String host = "127.0.0.1";
        int port = 8080;
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
                default:
                    System.err.println("usage: StaticFileServer --root DIR [--host 127.0.0.1] [--port 8080] "
                            + "[--mode nio|zerocopy] [--method SENDFILE|SPLICE|MMAP_WRITE|READ_WRITE]");
                    System.exit(2);
            }
        }
        if (root == null) {
            System.err.println("--root DIR is required");
            System.exit(2);
        }
        StaticFileServer s = new StaticFileServer(root, host, port, mode, method);
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
