package io.turnrelay.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HistogramTest {
    @Test
    void bucketsEndWithAnUnboundedOneAndCountEveryObservation() {
        Histogram histogram = new Histogram(new double[] {1, 10}, new long[] {2, 3, 4}, 55.5);
        assertThat(histogram.buckets()).isEqualTo(3);
        assertThat(histogram.upperBound(0)).isEqualTo(1);
        assertThat(histogram.upperBound(1)).isEqualTo(10);
        assertThat(histogram.upperBound(2)).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(histogram.countIn(1)).isEqualTo(3);
        assertThat(histogram.count()).isEqualTo(9);
        assertThat(histogram.sum()).isEqualTo(55.5);
    }

    @Test
    void twoHistogramsWithTheSameBucketsAddUp() {
        Histogram a = new Histogram(new double[] {1, 10}, new long[] {2, 3, 4}, 50);
        Histogram b = new Histogram(new double[] {1, 10}, new long[] {1, 0, 1}, 20);
        assertThat(a.plus(b)).isEqualTo(new Histogram(new double[] {1, 10}, new long[] {3, 3, 5}, 70));
        assertThat(Histogram.empty(1, 10).plus(a)).isEqualTo(a);
        assertThatThrownBy(() -> a.plus(Histogram.empty(1, 5))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("buckets differ");
    }

    @Test
    void itOwnsCopiesOfItsArrays() {
        double[] bounds = {1, 10};
        long[] counts = {1, 1, 1};
        Histogram histogram = new Histogram(bounds, counts, 3);
        bounds[0] = 5;
        counts[0] = 100;
        assertThat(histogram.upperBound(0)).isEqualTo(1);
        assertThat(histogram.countIn(0)).isEqualTo(1);
    }

    @Test
    void badBucketsAreRefused() {
        assertThatThrownBy(() -> new Histogram(new double[] {1, 10}, new long[] {1, 2}, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Histogram(new double[] {10, 1}, new long[3], 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Histogram(new double[] {1, 1}, new long[3], 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Histogram(new double[] {Double.POSITIVE_INFINITY}, new long[2], 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Histogram(new double[] {1}, new long[] {1, -1}, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(Histogram.empty().buckets()).isEqualTo(1);
    }
}
