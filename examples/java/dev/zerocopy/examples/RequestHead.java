package dev.zerocopy.examples;

import java.nio.charset.StandardCharsets;

/**
 * One HTTP/1.x request head (RFC 9112 sections 2-6), parsed strictly from bytes. Anything the
 * grammar does not allow is refused rather than guessed at, because a lenient guess is where
 * request smuggling and double answers come from: a bare LF or CR, whitespace before a header's
 * colon, obs-fold continuation lines, control characters in a value, a missing or repeated Host
 * in HTTP/1.1, a Content-Length that is not digits or differs between two fields (400); a head
 * over the byte limit or with too many fields (431); Transfer-Encoding, whose chunked body this
 * server does not read (501); a version other than 1.x (505).
 *
 * <p>One instance per connection, reused: {@link #parse} may be called again as more bytes
 * arrive; it resumes its scan where the previous call stopped until {@link #reset}. It never
 * throws on any input and never reads outside {@code [from, to)}.
 */
final class RequestHead {
    /** {@link #parse}: the head is not complete yet. */
    static final int NEED_MORE = -1;

    enum Method { GET, HEAD, OTHER }

    private final int maxHeadBytes;
    private final int maxFields;

    // The scan's progress over calls (reset by reset()).
    private int scanned;
    private int lineStart;
    private int headStart;

    // The result of the last complete parse.
    /** 0 when the head is well formed; else the status to answer with (then close). */
    int status;
    Method method;
    /** The request target as sent (origin-form: starts with '/'), or null. */
    String target;
    boolean http10;
    boolean keepAlive;
    /** The body's length from Content-Length, 0 when absent. */
    long contentLength;
    /** The Range field's value, or null. */
    String range;

    RequestHead(int maxHeadBytes, int maxFields) {
        this.maxHeadBytes = maxHeadBytes;
        this.maxFields = maxFields;
        reset();
    }

    /** Forgets the scan: the next parse starts a new head. */
    void reset() {
        scanned = -1;
        lineStart = -1;
        status = 0;
        method = null;
        target = null;
        http10 = false;
        keepAlive = false;
        contentLength = 0;
        range = null;
    }

    /**
     * Looks for a complete head at {@code buf[from, to)} (the bytes are the same ones, plus more,
     * on each call until {@link #reset}).
     *
     * @return {@link #NEED_MORE}; or the bytes the head takes from {@code from} (empty lines
     *     before it and its final CRLF CRLF included), with {@link #status} 0 and the fields set,
     *     or with {@link #status} set to the error to answer (then the connection is to close and
     *     the returned length is not meaningful)
     */
    int parse(byte[] buf, int from, int to) {
        if (scanned < 0) {
            scanned = from;
            lineStart = from;
            headStart = from;
        }
        int end = -1;
        int i = scanned;
        for (; i < to; i++) {
            byte c = buf[i];
            if (c == '\n') {
                return fail(400, to - from); // a bare LF
            }
            if (c != '\r') {
                continue;
            }
            if (i + 1 >= to) {
                break; // the LF may still come
            }
            if (buf[i + 1] != '\n') {
                return fail(400, to - from); // a bare CR
            }
            if (i == lineStart) {
                if (lineStart == headStart) {
                    // RFC 9112 2.2: a server SHOULD ignore at least one empty line received before
                    // the request-line (this one ignores them up to the head limit).
                    headStart = lineStart = i + 2;
                    i++;
                    continue;
                }
                end = i + 2; // the empty line that ends the head
                break;
            }
            lineStart = i + 2;
            i++;
        }
        if (end < 0) {
            scanned = i;
            return incomplete(from, to);
        }
        if (end - from > maxHeadBytes) {
            return fail(431, end - from);
        }
        return parseHead(buf, headStart, end) ? end - from : fail(status, end - from);
    }

    private int incomplete(int from, int to) {
        return to - from >= maxHeadBytes ? fail(431, to - from) : NEED_MORE;
    }

    private int fail(int code, int length) {
        status = code;
        return length;
    }

    /** Parses a complete head [start, end) (every line ends with CRLF, the last one empty). */
    private boolean parseHead(byte[] b, int start, int end) {
        int lineEnd = indexOfCr(b, start, end);
        // request-line = method SP request-target SP HTTP-version
        int m = start;
        while (m < lineEnd && isTchar(b[m])) {
            m++;
        }
        if (m == start || m >= lineEnd || b[m] != ' ') {
            return bad(400);
        }
        method = equalsAscii(b, start, m, "GET") ? Method.GET : equalsAscii(b, start, m, "HEAD") ? Method.HEAD : Method.OTHER;
        int t = m + 1;
        int te = t;
        while (te < lineEnd && b[te] > 0x20 && b[te] < 0x7f) {
            te++;
        }
        if (te == t || te >= lineEnd || b[te] != ' ') {
            return bad(400);
        }
        if (b[t] != '/') {
            return bad(400); // origin-form only: no absolute-form (no proxying), no asterisk-form (no OPTIONS)
        }
        target = new String(b, t, te - t, StandardCharsets.ISO_8859_1);
        int v = te + 1;
        if (lineEnd - v != 8 || !equalsAscii(b, v, v + 5, "HTTP/") || !isDigit(b[v + 5]) || b[v + 6] != '.' || !isDigit(b[v + 7])) {
            return bad(400);
        }
        if (b[v + 5] != '1') {
            return bad(505);
        }
        http10 = b[v + 7] == '0';

        int hosts = 0;
        int fields = 0;
        boolean close = false;
        boolean keepAliveToken = false;
        boolean transferEncoding = false;
        long length = -1;
        for (int ls = lineEnd + 2; ls < end - 2; ls = lineEnd + 2) {
            lineEnd = indexOfCr(b, ls, end);
            if (++fields > maxFields) {
                return bad(431);
            }
            // field-line = field-name ":" OWS field-value OWS; no space before the colon (RFC 9112 5.1),
            // no line folding (5.2: a server rejects obs-fold with 400).
            int c = ls;
            while (c < lineEnd && isTchar(b[c])) {
                c++;
            }
            if (c == ls || c >= lineEnd || b[c] != ':') {
                return bad(400);
            }
            int vs = c + 1;
            int ve = lineEnd;
            while (vs < ve && (b[vs] == ' ' || b[vs] == '\t')) {
                vs++;
            }
            while (ve > vs && (b[ve - 1] == ' ' || b[ve - 1] == '\t')) {
                ve--;
            }
            for (int k = vs; k < ve; k++) {
                int x = b[k] & 0xff;
                if ((x < 0x20 && x != '\t') || x == 0x7f) {
                    return bad(400);
                }
            }
            if (equalsIgnoreCase(b, ls, c, "host")) {
                hosts++;
            } else if (equalsIgnoreCase(b, ls, c, "connection")) {
                close |= hasToken(b, vs, ve, "close");
                keepAliveToken |= hasToken(b, vs, ve, "keep-alive");
            } else if (equalsIgnoreCase(b, ls, c, "content-length")) {
                long n = digits(b, vs, ve);
                if (n < 0 || (length >= 0 && n != length)) {
                    return bad(400); // RFC 9112 6.3: an invalid or conflicting length is unrecoverable
                }
                length = n;
            } else if (equalsIgnoreCase(b, ls, c, "transfer-encoding")) {
                transferEncoding = true;
            } else if (equalsIgnoreCase(b, ls, c, "range")) {
                if (range != null) {
                    return bad(400);
                }
                range = new String(b, vs, ve - vs, StandardCharsets.ISO_8859_1);
            }
        }
        if (hosts > 1 || (hosts == 0 && !http10)) {
            return bad(400); // RFC 9112 3.2
        }
        if (transferEncoding) {
            return bad(length >= 0 ? 400 : 501); // both framings: RFC 9112 6.1 says treat as an error
        }
        contentLength = Math.max(0, length);
        keepAlive = http10 ? keepAliveToken && !close : !close;
        return true;
    }

    private boolean bad(int code) {
        status = code;
        return false;
    }

    private static int indexOfCr(byte[] b, int from, int end) {
        int i = from;
        while (i < end && b[i] != '\r') {
            i++;
        }
        return i;
    }

    /** 1*DIGIT of at most 18 digits (no overflow), else -1. */
    private static long digits(byte[] b, int from, int to) {
        if (from == to || to - from > 18) {
            return -1;
        }
        long n = 0;
        for (int i = from; i < to; i++) {
            if (!isDigit(b[i])) {
                return -1;
            }
            n = n * 10 + (b[i] - '0');
        }
        return n;
    }

    /** Whether the comma-separated list b[from, to) holds token (case-insensitive). */
    private static boolean hasToken(byte[] b, int from, int to, String token) {
        int i = from;
        while (i < to) {
            while (i < to && (b[i] == ' ' || b[i] == '\t' || b[i] == ',')) {
                i++;
            }
            int s = i;
            while (i < to && b[i] != ',' && b[i] != ' ' && b[i] != '\t') {
                i++;
            }
            if (i > s && equalsIgnoreCase(b, s, i, token)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isDigit(byte c) {
        return c >= '0' && c <= '9';
    }

    /** tchar of RFC 9110 5.6.2. */
    private static boolean isTchar(byte c) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || isDigit(c)) {
            return true;
        }
        return c > 0x20 && c < 0x7f && "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }

    private static boolean equalsAscii(byte[] b, int from, int to, String s) {
        if (to - from != s.length()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (b[from + i] != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** s in lower case. */
    private static boolean equalsIgnoreCase(byte[] b, int from, int to, String s) {
        if (to - from != s.length()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            int c = b[from + i];
            if (c >= 'A' && c <= 'Z') {
                c += 'a' - 'A';
            }
            if (c != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
