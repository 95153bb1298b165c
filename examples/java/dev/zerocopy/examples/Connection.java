package dev.zerocopy.examples;

import dev.zerocopy.Fds;
import dev.zerocopy.KernelExperiments;
import dev.zerocopy.NativeZeroCopy;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * One client connection of {@link StaticFileServer}, driven by its selector thread: reads request
 * heads ({@link RequestHead}), answers them in order (pipelining), writes the header from a
 * direct buffer and the body with transferTo, and waits for write readiness only when the socket
 * is full.
 */
final class Connection {
    /** The largest request head; also the read buffer's size. */
    static final int MAX_HEAD = 8192;
    /** The most header fields a request may carry. */
    static final int MAX_FIELDS = 64;
    /** The largest request body read and dropped (GET and HEAD have no use for one); larger: 413. */
    static final long MAX_DISCARD = 64 << 10;
    private static final int HEAD_CAPACITY = 1024;

    private final StaticFileServer server;
    final SocketChannel ch;
    SelectionKey key;
    private final ByteBuffer in = ByteBuffer.allocate(MAX_HEAD);
    private final ByteBuffer head = ByteBuffer.allocateDirect(HEAD_CAPACITY);
    private final RequestHead request = new RequestHead(MAX_HEAD, MAX_FIELDS);
    private FileChannel file;
    /** The fd openFile found for sendWithHeader (-1: not that path), until the response takes it. */
    int openedFd = -1;
    /** The body file's fd while this response's first write is to be sendWithHeader, else -1. */
    private int bodyFd = -1;
    private int socketFd = -1;
    /** The body's rest after sendWithHeader: sent with server.sendRemainder, not file.transferTo. */
    private boolean remainder;
    private long pos;
    private long end;
    /** Request body bytes still to read and drop before the next request head. */
    private long discard;
    private boolean closeAfter;
    private boolean closed;
    /** System.nanoTime() of the last byte read or written (idle timeout). */
    long lastProgress;
    /** System.nanoTime() when the first byte of the request head being read arrived, or 0 (head timeout). */
    long headStarted;

    Connection(StaticFileServer server, SocketChannel ch, long now) {
        this.server = server;
        this.ch = ch;
        this.lastProgress = now;
        head.limit(0); // nothing to send yet
    }

    boolean isClosed() {
        return closed;
    }

    /** Whether a response is waiting for the socket to drain. */
    private boolean responding() {
        return file != null || head.hasRemaining();
    }

    void readable(long now) throws IOException {
        int n = ch.read(in);
        if (n < 0) {
            close();
            return;
        }
        if (n > 0) {
            lastProgress = now;
        }
        serveBuffered(now);
    }

    void writable(long now) throws IOException {
        if (flush(now) && !closed) {
            key.interestOps(SelectionKey.OP_READ);
            serveBuffered(now);
        }
    }

    /** Serves every complete request in the buffer, stopping when a response cannot finish now. */
    private void serveBuffered(long now) throws IOException {
        while (!closed && !responding()) {
            dropBody();
            if (in.position() == 0) {
                headStarted = 0;
                return;
            }
            if (headStarted == 0) {
                headStarted = now;
            }
            int length = request.parse(in.array(), 0, in.position());
            if (length == RequestHead.NEED_MORE) {
                return;
            }
            headStarted = 0;
            if (request.status != 0) {
                error(request.status, true); // the framing is unknown from here on: answer and close
            } else {
                // Drop the head from the buffer, keep what follows (its body, a pipelined request).
                in.flip().position(length);
                in.compact();
                respond(request);
            }
            request.reset();
            if (!flush(now)) {
                return; // wait for OP_WRITE
            }
        }
    }

    /** Drops what is buffered of a request body (Content-Length) so it is never read as a request. */
    private void dropBody() {
        if (discard == 0 || in.position() == 0) {
            return;
        }
        int take = (int) Math.min(discard, in.position());
        in.flip().position(take);
        in.compact();
        discard -= take;
    }

    /** A head that may be waiting: answers 408 if one was started and closes (head or idle timeout). */
    void timedOut(long now) {
        if (!responding() && in.position() > 0 && discard == 0) {
            error(408, true);
            try {
                ch.write(head); // one try, the socket is non-blocking: the client is leaving anyway
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        close();
    }

    /**
     * Writes the header, then the body; true when the response is complete. A short transfer
     * means the socket's buffer is full (or the file shrank, which the next call finds): it waits
     * for write readiness instead of asking the kernel again for an EAGAIN.
     */
    private boolean flush(long now) throws IOException {
        if (bodyFd >= 0 && file != null && pos < end && !oneCall(now)) {
            // The socket is full (or the file ended, which the transferTo after the wait finds):
            // a transfer now would only meet EAGAIN.
            key.interestOps(SelectionKey.OP_WRITE);
            return false;
        }
        while (head.hasRemaining()) {
            int n = ch.write(head);
            if (n == 0) {
                key.interestOps(SelectionKey.OP_WRITE);
                return false;
            }
            lastProgress = now;
        }
        while (file != null && pos < end) {
            long want = end - pos;
            long n = remainder ? server.sendRemainder(file, pos, want, ch) : file.transferTo(pos, want, ch);
            if (n == 0) {
                if (pos >= file.size()) {
                    throw new IOException("file shrank under the response");
                }
                key.interestOps(SelectionKey.OP_WRITE);
                return false;
            }
            pos += n;
            lastProgress = now;
            server.countBody(n);
            if (n < want && pos < end) {
                key.interestOps(SelectionKey.OP_WRITE);
                return false;
            }
        }
        finishResponse();
        return true;
    }

    /**
     * The response's first write: header (direct buffer) and body by sendfile in one native
     * call, MSG_MORE on the header so both leave in full segments. On this non-blocking socket
     * it may stop early (KernelExperiments.sendWithHeader: a short count, the header's position
     * advanced by what of it left): the header's rest and the body's rest then go the normal way
     * in flush(), from where this call stopped, after the socket is writable again. Tried once
     * per response; true if it sent the whole response.
     */
    private boolean oneCall(long now) throws IOException {
        int fd = bodyFd;
        bodyFd = -1;
        if (socketFd < 0) {
            socketFd = Fds.of(ch);
        }
        int headerBytes = head.remaining();
        long n = KernelExperiments.sendWithHeader(socketFd, head, fd, pos, end - pos, null);
        long body = Math.max(0, n - headerBytes); // head's position already advanced by min(n, headerBytes)
        pos += body;
        if (n > 0) {
            lastProgress = now;
        }
        server.countBody(body);
        server.countSendWithHeader();
        remainder = pos < end; // the channel layer takes over the rest of the body
        return !remainder && !head.hasRemaining();
    }

    private void finishResponse() {
        closeFile();
        server.countResponse();
        if (closeAfter) {
            close();
        }
    }

    private void respond(RequestHead r) throws IOException {
        closeAfter = !r.keepAlive;
        if (r.method == RequestHead.Method.OTHER) {
            // A body we do not read may follow: close after the answer.
            closeAfter = true;
            startHead(405, "Method Not Allowed");
            putAscii("Allow: GET, HEAD\r\nContent-Length: 0\r\n");
            endHead();
            return;
        }
        if (r.contentLength > MAX_DISCARD) {
            error(413, true);
            return;
        }
        discard = r.contentLength;
        Path p = server.files().lookup(r.target);
        if (p == null) {
            error(404, false);
            return;
        }
        FileChannel f;
        try {
            f = server.openFile(p, this);
        } catch (NoSuchFileException | AccessDeniedException e) {
            error(404, false);
            return;
        } catch (IOException e) {
            error(503, true); // e.g. EMFILE: out of descriptors for now
            return;
        }
        if (f == null) {
            error(404, false); // outside the root once symlinks are followed
            return;
        }
        long size = f.size();
        long from = 0;
        long to = size - 1;
        boolean partial = false;
        if (r.range != null) {
            long[] range = ByteRange.parse(r.range, size);
            if (range == ByteRange.UNSATISFIABLE) {
                server.closeFile(f);
                startHead(416, "Range Not Satisfiable");
                putAscii("Content-Range: bytes */");
                putLong(size);
                putAscii("\r\nContent-Length: 0\r\n");
                endHead();
                return;
            }
            if (range != null) {
                from = range[0];
                to = range[1];
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
        if (r.method == RequestHead.Method.HEAD || length == 0) {
            server.closeFile(f);
            return;
        }
        file = f;
        bodyFd = openedFd;
        pos = from;
        end = from + length;
    }

    private void error(int status, boolean close) {
        closeAfter |= close;
        startHead(status, reason(status));
        putAscii("Content-Length: 0\r\n");
        endHead();
    }

    private static String reason(int status) {
        switch (status) {
            case 400: return "Bad Request";
            case 404: return "Not Found";
            case 408: return "Request Timeout";
            case 413: return "Content Too Large";
            case 431: return "Request Header Fields Too Large";
            case 501: return "Not Implemented";
            case 503: return "Service Unavailable";
            case 505: return "HTTP Version Not Supported";
            default: return "Error";
        }
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
        remainder = false;
        if (file != null) {
            server.closeFile(file);
            file = null;
        }
    }

    void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeFile();
        key.cancel();
        server.closed(this);
    }
}
