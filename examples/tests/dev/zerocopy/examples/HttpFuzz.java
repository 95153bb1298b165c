package dev.zerocopy.examples;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;

/** Fuzz inputs for the request parser and the server: random bytes, HTTP-ish tokens, and mutated valid requests. */
final class HttpFuzz {
    private static final String[] VALID = {
        "GET /f1.bin HTTP/1.1\r\nHost: x\r\n\r\n",
        "HEAD /f4096.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "GET /f4096.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=10-99\r\n\r\n",
        "GET /f1.bin HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        "GET /f1.bin HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
        "POST /f1.bin HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc",
        "GET /sub/../f1.bin?q=%41 HTTP/1.1\r\nHost: x\r\nAccept: */*\r\nUser-Agent: fuzz\r\n\r\n",
    };
    private static final String[] TOKENS = {
        "GET", "HEAD", "POST", " ", "  ", "/", "/f1.bin", "%", "%00", "%2e%2e", "..", "?", "HTTP/1.1", "HTTP/1.0", "HTTP/9.9",
        "\r\n", "\n", "\r", "\r\n\r\n", ":", "Host", "Content-Length", "Transfer-Encoding", "chunked", "Range", "bytes=",
        "-", ",", "0", "1", "99999999999999999999", "Connection", "close", "keep-alive", "\t", "\0", "\u00ff", "\u007f",
    };

    private HttpFuzz() {
    }

    /** One input: a third random bytes, a third random tokens, a third mutated valid requests. */
    static byte[] input(Random rnd) {
        switch (rnd.nextInt(3)) {
            case 0: {
                byte[] b = new byte[rnd.nextInt(300)];
                rnd.nextBytes(b);
                return b;
            }
            case 1: {
                StringBuilder s = new StringBuilder();
                for (int i = rnd.nextInt(40); i >= 0; i--) {
                    s.append(TOKENS[rnd.nextInt(TOKENS.length)]);
                }
                return s.toString().getBytes(StandardCharsets.ISO_8859_1);
            }
            default:
                return mutate(VALID[rnd.nextInt(VALID.length)].getBytes(StandardCharsets.ISO_8859_1), rnd);
        }
    }

    /** A few flips, insertions, deletions, duplications or truncations of a valid request. */
    static byte[] mutate(byte[] in, Random rnd) {
        byte[] b = in;
        for (int k = 1 + rnd.nextInt(4); k > 0; k--) {
            if (b.length == 0) {
                break;
            }
            int at = rnd.nextInt(b.length);
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            switch (rnd.nextInt(6)) {
                case 0: // flip a bit
                    b = b.clone();
                    b[at] ^= (byte) (1 << rnd.nextInt(8));
                    continue;
                case 1: // insert a token
                    o.write(b, 0, at);
                    o.writeBytes(TOKENS[rnd.nextInt(TOKENS.length)].getBytes(StandardCharsets.ISO_8859_1));
                    o.write(b, at, b.length - at);
                    break;
                case 2: { // delete a run
                    int len = Math.min(b.length - at, 1 + rnd.nextInt(8));
                    o.write(b, 0, at);
                    o.write(b, at + len, b.length - at - len);
                    break;
                }
                case 3: { // repeat a run many times (long values, many fields)
                    int len = Math.min(b.length - at, 1 + rnd.nextInt(20));
                    o.write(b, 0, at + len);
                    for (int r = rnd.nextInt(600); r > 0; r--) {
                        o.write(b, at, len);
                    }
                    o.write(b, at + len, b.length - at - len);
                    break;
                }
                case 4: // truncate
                    o.write(b, 0, at);
                    break;
                default: // random byte
                    b = b.clone();
                    b[at] = (byte) rnd.nextInt(256);
                    continue;
            }
            b = o.toByteArray();
        }
        return b;
    }

    /** A printable form of an input for failure messages. */
    static String show(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < Math.min(b.length, 400); i++) {
            int c = b[i] & 0xff;
            if (c >= 0x20 && c < 0x7f && c != '\\') {
                s.append((char) c);
            } else {
                s.append(String.format("\\x%02x", c));
            }
        }
        return b.length > 400 ? s + "...(" + b.length + " bytes)" : s.toString();
    }
}
