package dev.zerocopy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Known samples in, known verdicts out. */
class StatisticsTest {
    @Test
    void medianOfOddAndEvenCounts() {
        assertEquals(3, Statistics.median(new double[] {5, 1, 3}));
        assertEquals(2.5, Statistics.median(new double[] {4, 1, 3, 2}));
        assertTrue(Double.isNaN(Statistics.median(new double[0])));
    }

    @Test
    void intervalNeedsSixSamples() {
        assertFalse(Statistics.medianInterval(new double[] {1, 2, 3, 4, 5}).defined(), "n = 5 cannot reach 95%");
        Statistics.Interval six = Statistics.medianInterval(new double[] {6, 1, 5, 2, 4, 3});
        assertEquals(1, six.low()); // n = 6: [x1, x6], 96.9% coverage
        assertEquals(6, six.high());
        Statistics.Interval nine = Statistics.medianInterval(new double[] {9, 8, 7, 6, 5, 4, 3, 2, 1});
        assertEquals(2, nine.low()); // n = 9: [x2, x8] (P(B <= 1) = 10/512)
        assertEquals(8, nine.high());
        Statistics.Interval twelve = Statistics.medianInterval(new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
        assertEquals(3, twelve.low()); // n = 12: [x3, x10] (P(B <= 2) = 79/4096)
        assertEquals(10, twelve.high());
    }

    @Test
    void identicalSamplesAreNoDifferenceAndConverged() {
        double[] a = {1, 1, 1, 1, 1, 1};
        assertEquals(1.0, Statistics.mannWhitneyP(a, a.clone()), 1e-12);
        assertFalse(Statistics.differ(a, a.clone()));
        assertEquals(0, Statistics.relativeHalfWidth(a));
        assertFalse(Statistics.multimodal(a));
    }

    @Test
    void clearShiftIsSignificant() {
        double[] a = {1.00, 1.02, 0.98, 1.01, 0.99, 1.03};
        double[] b = {1.20, 1.22, 1.19, 1.25, 1.21, 1.18};
        // Complete separation of 6 vs 6: exact two-sided p = 2 / C(12, 6) = 2 / 924.
        assertEquals(2.0 / 924, Statistics.mannWhitneyP(a, b), 1e-12);
        assertTrue(Statistics.differ(a, b));
        assertTrue(Statistics.differ(b, a));
    }

    @Test
    void overlappingSamplesAreNotSignificant() {
        double[] a = {1.0, 1.3, 0.9, 1.2, 1.1, 0.95};
        double[] b = {1.05, 1.25, 0.92, 1.15, 1.12, 0.97};
        assertTrue(Statistics.mannWhitneyP(a, b) > 0.5);
        assertFalse(Statistics.differ(a, b));
    }

    @Test
    void fewerThanSixSamplesNeverDiffer() {
        double[] a = {1, 1.01, 1.02, 0.99, 1.0};
        double[] b = {2, 2.01, 2.02, 1.99, 2.0};
        assertTrue(Statistics.mannWhitneyP(a, b) < 0.05, "the test itself sees the shift");
        assertFalse(Statistics.differ(a, b), "but five samples are below the minimum");
    }

    @Test
    void tiesUseTheCorrectedNormalApproximation() {
        double[] a = {1, 1, 1, 2, 2, 2};
        double[] b = {2, 2, 2, 3, 3, 3};
        double p = Statistics.mannWhitneyP(a, b);
        // U = 4.5 of 36; mean 18, tie-corrected variance 36/12 * (13 - (24+210+24)/132) = 33.14
        double z = (18 - 4.5 - 0.5) / Math.sqrt(3 * (13 - 258.0 / 132));
        assertEquals(2 * (1 - normalCdf(z)), p, 1e-4);
        assertTrue(Statistics.differ(a, b));
        double[] c = {1, 1, 2, 2, 1, 2};
        assertTrue(Statistics.mannWhitneyP(a, c) > 0.9, "the same values in another order: no difference");
    }

    @Test
    void bimodalSamplesAreFlagged() {
        // compare's 4 KiB tcp read+write before the fix: a delayed ACK stalled some samples.
        assertTrue(Statistics.multimodal(new double[] {0.69, 0.76, 0.22, 0.26, 0.26, 0.26, 0.71}));
        assertTrue(Statistics.multimodal(new double[] {1.02, 0.91, 0.30, 1.13, 0.28, 0.28, 0.29}));
        assertFalse(Statistics.multimodal(new double[] {0.50, 0.48, 0.42, 0.49, 0.54, 0.59, 0.52, 0.57, 0.40}));
        assertFalse(Statistics.multimodal(new double[] {1.0, 1.0, 1.0, 1.0, 1.0, 0.4}), "one stray sample is not a mode");
    }

    @Test
    void convergenceIsTheRelativeHalfWidth() {
        double[] tight = {1.00, 1.01, 0.99, 1.02, 0.98, 1.00};
        assertEquals(0.02, Statistics.relativeHalfWidth(tight), 1e-9);
        assertEquals(Double.POSITIVE_INFINITY, Statistics.relativeHalfWidth(new double[] {1, 2}));
    }

    private static double normalCdf(double z) {
        // erf by a series good enough for the test's |z| < 4
        double sum = 0;
        double term = z;
        for (int n = 0; n < 200; n++) {
            sum += term / (2 * n + 1);
            term *= -z * z / 2 / (n + 1);
        }
        return 0.5 + sum / Math.sqrt(2 * Math.PI);
    }
}
