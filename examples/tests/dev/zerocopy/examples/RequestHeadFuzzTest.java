package dev.zerocopy.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The parser against random and mutated heads, in process, bounded in count and time: it never
 * throws, never claims more bytes than it was given, answers only with the statuses it documents,
 * and reaches the same verdict fed a byte at a time as fed the whole head.
 */
class RequestHeadFuzzTest {
    static final int MAX_CASES = 200_000;
    static final long MAX_NANOS = 5_000_000_000L;
    static final Set<Integer> STATUSES = Set.of(0, 400, 431, 501, 505);

    @Test
    void randomAndMutatedHeads() {
        long seed = Long.getLong("fuzz.seed", System.nanoTime());
        Random rnd = new Random(seed);
        long deadline = System.nanoTime() + MAX_NANOS;
        int cases = 0;
        RequestHead h = new RequestHead(Connection.MAX_HEAD, Connection.MAX_FIELDS);
        for (; cases < MAX_CASES && System.nanoTime() < deadline; cases++) {
            byte[] b = HttpFuzz.input(rnd);
            String problem;
            try {
                problem = verdicts(h, b, cases % 16 == 0);
            } catch (RuntimeException e) {
                throw new AssertionError("seed " + seed + " case " + cases + ": " + HttpFuzz.show(b), e);
            }
            if (problem != null) {
                fail("seed " + seed + " case " + cases + ": " + problem + " for " + HttpFuzz.show(b));
            }
        }
        assertTrue(cases >= 10_000, "only " + cases + " cases in the time bound");
    }

    /** Parses b whole (and, if asked, a byte at a time); returns what is wrong, or null. */
    private static String verdicts(RequestHead h, byte[] b, boolean incremental) {
        h.reset();
        int whole = h.parse(b, 0, b.length);
        String problem = check(h, b, whole, b.length);
        if (problem != null || !incremental) {
            return problem;
        }
        int status = whole == RequestHead.NEED_MORE ? -1 : h.status;
        String target = h.target;
        // The same bytes, one more at a time (as a slow client sends them).
        h.reset();
        int n = RequestHead.NEED_MORE;
        int to = 0;
        while (n == RequestHead.NEED_MORE && to < b.length) {
            n = h.parse(b, 0, ++to);
            problem = check(h, b, n, to);
            if (problem != null) {
                return "fed " + to + " bytes: " + problem;
            }
        }
        if (status == 0 && (n != whole || h.status != 0 || !target.equals(h.target))) {
            return "a byte at a time: length " + n + " status " + h.status + " target " + h.target
                    + ", whole: length " + whole + " target " + target;
        }
        return null;
    }

    private static String check(RequestHead h, byte[] b, int n, int available) {
        if (n == RequestHead.NEED_MORE) {
            return available < Connection.MAX_HEAD ? null : "NEED_MORE at " + available + " bytes";
        }
        if (n <= 0 || n > available) {
            return "length " + n + " of " + available;
        }
        if (!STATUSES.contains(h.status)) {
            return "status " + h.status;
        }
        if (h.status == 0) {
            if (h.target == null || !h.target.startsWith("/") || h.method == null || h.contentLength < 0) {
                return "accepted with target " + h.target + ", method " + h.method + ", length " + h.contentLength;
            }
            // A head taken as complete ends with its empty line.
            if (!"\r\n\r\n".equals(new String(b, n - 4, 4, StandardCharsets.ISO_8859_1))) {
                return "accepted a head that does not end with CRLF CRLF";
            }
        }
        return null;
    }
}
