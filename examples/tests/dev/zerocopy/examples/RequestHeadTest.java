package dev.zerocopy.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The strict request-head parser, case by case (RFC 9112 sections cited in RequestHead). */
class RequestHeadTest {
    private static RequestHead parse(String s) {
        RequestHead h = new RequestHead(Connection.MAX_HEAD, Connection.MAX_FIELDS);
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        int n = h.parse(b, 0, b.length);
        h.status = n == RequestHead.NEED_MORE ? -1 : h.status;
        return h;
    }

    @Test
    void wellFormedHeads() {
        RequestHead h = parse("GET /a%20b?x=1 HTTP/1.1\r\nHost: x\r\nRange: bytes=0-9\r\n\r\n");
        assertEquals(0, h.status);
        assertEquals(RequestHead.Method.GET, h.method);
        assertEquals("/a%20b?x=1", h.target);
        assertEquals("bytes=0-9", h.range);
        assertTrue(h.keepAlive);
        assertFalse(h.http10);
        assertFalse(parse("HEAD / HTTP/1.1\r\nHost: x\r\nConnection: Keep-Alive, CLOSE\r\n\r\n").keepAlive);
        assertFalse(parse("GET / HTTP/1.0\r\n\r\n").keepAlive);
        assertTrue(parse("GET / HTTP/1.0\r\nconnection: keep-alive\r\n\r\n").keepAlive);
        assertEquals(RequestHead.Method.OTHER, parse("PATCH / HTTP/1.1\r\nHost: x\r\n\r\n").method);
        assertEquals(12, parse("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\ncontent-length: 12\r\n\r\n").contentLength);
        // RFC 9112 2.2: empty lines before the request line are ignored.
        assertEquals(0, parse("\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n").status);
        assertEquals(0, parse("GET / HTTP/1.1\r\nHost:\r\nX-Empty:   \r\n\r\n").status);
    }

    /** Each head and the status it must get: 400 bad syntax, 431 too big, 501 unsupported framing, 505 version. */
    static Stream<Arguments> malformed() {
        return Stream.of(
            Arguments.of("GET / HTTP/1.1\nHost: x\n\n", 400),                                 // bare LF line ends
            Arguments.of("GET / HTTP/1.1\r\nHost: x\rY: z\r\n\r\n", 400),                     // bare CR
            Arguments.of("GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400),                          // space before the colon
            Arguments.of("GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n", 400),             // obs-fold
            Arguments.of("GET / HTTP/1.1\r\nHost: x\r\nX: a\u0001b\r\n\r\n", 400),            // control character in a value
            Arguments.of("GET / HTTP/1.1\r\nHost: x\r\nX: a\u007fb\r\n\r\n", 400),            // DEL in a value
            Arguments.of("GET / HTTP/1.1\r\n\r\n", 400),                                      // HTTP/1.1 without Host
            Arguments.of("GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400),                // two Hosts
            Arguments.of("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n", 400),     // not digits
            Arguments.of("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400),
            Arguments.of("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n", 400),
            Arguments.of("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400),
            Arguments.of("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\n", 400),
            Arguments.of("GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", 501),
            Arguments.of("GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", 400),
            Arguments.of("GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
            Arguments.of("GET / HTTP/1.1x\r\nHost: x\r\n\r\n", 400),
            Arguments.of("GET / http/1.1\r\nHost: x\r\n\r\n", 400),
            Arguments.of("GET  / HTTP/1.1\r\nHost: x\r\n\r\n", 400),                          // two spaces
            Arguments.of("GET http://x/ HTTP/1.1\r\nHost: x\r\n\r\n", 400),                   // absolute-form
            Arguments.of("GET /\u00e9 HTTP/1.1\r\nHost: x\r\n\r\n", 400),                     // non-ASCII target
            Arguments.of("G(T / HTTP/1.1\r\nHost: x\r\n\r\n", 400),                           // not a token
            Arguments.of("GET / HTTP/1.1\r\nHost: x\r\nRange: bytes=0-1\r\nRange: bytes=2-3\r\n\r\n", 400),
            Arguments.of(": / HTTP/1.1\r\nHost: x\r\n\r\n", 400)
        );
    }

    /** Each head and the status it must get: 400 bad syntax, 431 too big, 501 unsupported framing, 505 version. */
    @ParameterizedTest
    @MethodSource("malformed")
    void malformedHeads(String head, int status) {
        assertEquals(status, parse(head).status, head);
    }

    @Test
    void boundedSizeAndFieldCount() {
        StringBuilder many = new StringBuilder("GET / HTTP/1.1\r\nHost: x\r\n");
        for (int i = 1; i < Connection.MAX_FIELDS; i++) {
            many.append("X-").append(i).append(": y\r\n");
        }
        assertEquals(0, parse(many + "\r\n").status, "64 fields");
        assertEquals(431, parse(many + "X-65: y\r\n\r\n").status, "65 fields");
        String big = "GET / HTTP/1.1\r\nHost: x\r\nX: " + "a".repeat(Connection.MAX_HEAD) + "\r\n\r\n";
        assertEquals(431, parse(big).status);
        // Not complete yet, but already at the limit: no point waiting for more.
        assertEquals(431, parse(big.substring(0, Connection.MAX_HEAD)).status);
        assertEquals(-1, parse(big.substring(0, Connection.MAX_HEAD - 1)).status);
    }

    /** Fed a byte at a time, the parser resumes its scan and ends where a parse of the whole head does. */
    @Test
    void incrementalParseMatchesWhole() {
        String s = "\r\nGET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /next";
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        RequestHead h = new RequestHead(Connection.MAX_HEAD, Connection.MAX_FIELDS);
        int n = RequestHead.NEED_MORE;
        int to = 0;
        while (n == RequestHead.NEED_MORE) {
            n = h.parse(b, 0, ++to);
        }
        assertEquals(s.indexOf("GET /next"), n);
        assertEquals(n, to);
        assertEquals(0, h.status);
        assertEquals("/x", h.target);
        assertFalse(h.keepAlive);
        assertNull(h.range);
    }
}
