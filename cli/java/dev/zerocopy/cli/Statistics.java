package dev.zerocopy.cli;

import java.util.Arrays;

/**
 * The statistics of the comparison, distribution-free because the samples of a noisy machine
 * are not normal: the median with a 95% confidence interval from order statistics, the
 * two-sided Mann-Whitney U test that decides whether two rows differ (benchstat prints `~`
 * when they do not), and a check for samples that fall into separate clusters, which a median
 * would hide.
 */
final class Statistics {
    /** Fewer samples than this give no 95% interval of the median (n = 5: [min, max] covers only 94%). */
    static final int MIN_SAMPLES = 6;
    /** Two rows differ when the Mann-Whitney p value is below this. */
    static final double ALPHA = 0.05;
    /** Exact U distribution up to this many samples per side without ties; the normal approximation above. */
    private static final int EXACT_LIMIT = 30;

    private Statistics() {
    }

    static double median(double[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] v = sorted(values);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    /** A 95% confidence interval of the median; low and high are NaN below {@link #MIN_SAMPLES}. */
    record Interval(double low, double high) {
        boolean defined() {
            return !Double.isNaN(low);
        }
    }

    /**
     * The distribution-free interval [x(k), x(n-k+1)] of the sorted samples, with the largest k
     * such that P(Binomial(n, 1/2) < k) <= 2.5%: it covers the true median with at least 95%.
     */
    static Interval medianInterval(double[] values) {
        int n = values.length;
        double[] v = sorted(values);
        int k = 0;
        double below = 0; // P(B <= k - 1)
        double p = Math.pow(0.5, n); // P(B = k), starting at k = 0
        while (k < n / 2 && below + p <= 0.025) {
            below += p;
            p = p * (n - k) / (k + 1);
            k++;
        }
        if (k == 0) {
            return new Interval(Double.NaN, Double.NaN);
        }
        return new Interval(v[k - 1], v[n - k]);
    }

    /** Half the interval's width over the median (0.05 = within +-5%); infinite when undefined. */
    static double relativeHalfWidth(double[] values) {
        Interval ci = medianInterval(values);
        double m = median(values);
        if (!ci.defined() || !(m > 0)) {
            return Double.POSITIVE_INFINITY;
        }
        return (ci.high() - ci.low()) / 2 / m;
    }

    /**
     * The two-sided p value of the Mann-Whitney U test of a against b: the chance of a rank
     * difference at least this large if both came from one distribution. Exact (by counting
     * rank orders) for small samples without ties; otherwise the normal approximation with tie
     * and continuity correction. 1 when every value is tied.
     */
    static double mannWhitneyP(double[] a, double[] b) {
        int n1 = a.length;
        int n2 = b.length;
        if (n1 == 0 || n2 == 0) {
            return Double.NaN;
        }
        double[] all = new double[n1 + n2];
        System.arraycopy(a, 0, all, 0, n1);
        System.arraycopy(b, 0, all, n1, n2);
        double[] s = sorted(all);
        // Mid-ranks, and the tie term sum(t^3 - t) of the variance correction.
        double tieTerm = 0;
        boolean ties = false;
        double rankSumA = 0;
        for (double x : a) {
            rankSumA += midRank(s, x);
        }
        for (int i = 0; i < s.length; ) {
            int j = i;
            while (j < s.length && s[j] == s[i]) {
                j++;
            }
            int t = j - i;
            if (t > 1) {
                ties = true;
                tieTerm += (double) t * t * t - t;
            }
            i = j;
        }
        double u = rankSumA - n1 * (n1 + 1) / 2.0; // U of a: pairs where a beats b (ties count 1/2)
        if (!ties && n1 <= EXACT_LIMIT && n2 <= EXACT_LIMIT) {
            return exactTwoSided((int) Math.round(u), n1, n2);
        }
        int n = n1 + n2;
        double mean = n1 * (double) n2 / 2;
        double variance = n1 * (double) n2 / 12 * ((n + 1) - tieTerm / ((double) n * (n - 1)));
        if (variance <= 0) {
            return 1; // all values equal: no evidence of any difference
        }
        double z = Math.max(0, Math.abs(u - mean) - 0.5) / Math.sqrt(variance);
        return Math.min(1, 2 * upperNormalTail(z));
    }

    /** True when a and b differ at the 5% level (and both have enough samples to say so). */
    static boolean differ(double[] a, double[] b) {
        return a.length >= MIN_SAMPLES && b.length >= MIN_SAMPLES && mannWhitneyP(a, b) < ALPHA;
    }

    /**
     * Whether the samples fall into two separate clusters: sorted, some gap between neighbours
     * splits them into two groups of at least two samples each, the gap is wider than 20% of
     * the median and wider than either group's own spread. One stray sample is not a cluster.
     */
    static boolean multimodal(double[] values) {
        int n = values.length;
        if (n < 4) {
            return false;
        }
        double[] v = sorted(values);
        double m = median(v);
        for (int k = 2; k <= n - 2; k++) {
            double gap = v[k] - v[k - 1];
            double within = Math.max(v[k - 1] - v[0], v[n - 1] - v[k]);
            if (gap > 0.2 * m && gap > within) {
                return true;
            }
        }
        return false;
    }

    private static double midRank(double[] sorted, double x) {
        int lo = 0;
        while (sorted[lo] < x) {
            lo++;
        }
        int hi = lo;
        while (hi + 1 < sorted.length && sorted[hi + 1] == x) {
            hi++;
        }
        return (lo + hi) / 2.0 + 1; // ranks are 1-based
    }

    /** 2 * min(P(U <= u), P(U >= u)) under the null, by counting the orders of n1 + n2 distinct values. */
    private static double exactTwoSided(int u, int n1, int n2) {
        // f[i][j][k]: orderings of i a-values and j b-values with U = k; only the last two rows of i are kept.
        int max = n1 * n2;
        double[][] prev = new double[n2 + 1][];
        for (int j = 0; j <= n2; j++) {
            prev[j] = new double[max + 1];
            prev[j][0] = 1; // i = 0: U is 0
        }
        for (int i = 1; i <= n1; i++) {
            double[][] cur = new double[n2 + 1][];
            cur[0] = new double[max + 1];
            cur[0][0] = 1; // j = 0: U is 0
            for (int j = 1; j <= n2; j++) {
                cur[j] = new double[max + 1];
                for (int k = 0; k <= i * j; k++) {
                    // the largest value is an a (it beats all j b's) or a b
                    double fromA = k >= j ? prev[j][k - j] : 0;
                    cur[j][k] = fromA + cur[j - 1][k];
                }
            }
            prev = cur;
        }
        double[] counts = prev[n2];
        double total = 0;
        double lower = 0;
        double upper = 0;
        for (int k = 0; k <= max; k++) {
            total += counts[k];
            if (k <= u) {
                lower += counts[k];
            }
            if (k >= u) {
                upper += counts[k];
            }
        }
        return Math.min(1, 2 * Math.min(lower, upper) / total);
    }

    /** P(Z > z) of the standard normal (Abramowitz and Stegun 26.2.17, error below 7.5e-8). */
    private static double upperNormalTail(double z) {
        double t = 1 / (1 + 0.2316419 * z);
        double poly = t * (0.319381530 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
        return Math.exp(-z * z / 2) / Math.sqrt(2 * Math.PI) * poly;
    }

    private static double[] sorted(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v;
    }
}
