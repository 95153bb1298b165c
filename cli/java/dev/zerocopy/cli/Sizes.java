package dev.zerocopy.cli;

import java.util.Locale;

/** Byte counts as people write them: 4KiB, 1MiB, 256M, 65536. Binary units (K = KiB). */
final class Sizes {
    private static final long KIB = 1024;

    private Sizes() {
    }

    /** Parses "4KiB", "4k", "1MiB", "256M", "1GiB", "65536"; throws IllegalArgumentException otherwise. */
    static long parse(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT).replace("_", "");
        long unit = 1;
        String digits = s;
        String[][] suffixes = {{"kib", "k", "kb"}, {"mib", "m", "mb"}, {"gib", "g", "gb"}};
        outer:
        for (int i = 0; i < suffixes.length; i++) {
            for (String suffix : suffixes[i]) {
                if (s.endsWith(suffix)) {
                    unit = KIB << (10 * i);
                    digits = s.substring(0, s.length() - suffix.length());
                    break outer;
                }
            }
        }
        if (digits.endsWith("b")) {
            digits = digits.substring(0, digits.length() - 1);
        }
        long n;
        try {
            n = Long.parseLong(digits.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a size: '" + text + "' (write e.g. 4KiB, 1MiB, 256MiB or a byte count)");
        }
        if (n <= 0 || n > Long.MAX_VALUE / unit) {
            throw new IllegalArgumentException("size out of range: '" + text + "'");
        }
        return n * unit;
    }

    /** 4096 -> "4 KiB", 1048576 -> "1 MiB", 1000 -> "1000 B". */
    static String format(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        int u = 0;
        long v = bytes;
        while (u < units.length - 1 && v >= KIB && v % KIB == 0) {
            v /= KIB;
            u++;
        }
        if (v >= 10 * KIB && u < units.length - 1) {
            return String.format(Locale.ROOT, "%.1f %s", bytes / Math.pow(KIB, u + 1), units[u + 1]);
        }
        return v + " " + units[u];
    }
}
