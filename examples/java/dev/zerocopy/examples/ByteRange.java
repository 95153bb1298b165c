package dev.zerocopy.examples;

/**
 * The Range request field (RFC 9110 14.2), one range only: "bytes=first-last", "bytes=first-"
 * or "bytes=-suffix".
 */
final class ByteRange {
    /** {@link #parse}: no byte of the file is in the range (answer 416). */
    static final long[] UNSATISFIABLE = new long[0];

    private ByteRange() {
    }

    /**
     * {first, last} clamped to a file of {@code size} bytes; null to ignore the field (not bytes,
     * several ranges, bad syntax: RFC 9110 14.2 lets a server ignore it); {@link #UNSATISFIABLE}.
     */
    static long[] parse(String value, long size) {
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
}
