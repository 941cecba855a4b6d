package io.turnrelay.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LatencyHistogramTest {
    @Test
    void percentilesOfOneToOneThousandMicroseconds() {
        LatencyHistogram histogram = new LatencyHistogram();
        for (int micros = 1000; micros >= 1; micros--) {
            histogram.record(micros);
        }
        assertThat(histogram.count()).isEqualTo(1000);
        assertThat(histogram.percentile(0.50)).isEqualTo(500);
        assertThat(histogram.percentile(0.99)).isEqualTo(990);
        assertThat(histogram.percentile(0.999)).isEqualTo(999);
        assertThat(histogram.percentile(1.0)).isEqualTo(1000);
    }

    @Test
    void valuesAboveOneHundredMillisecondsAreKeptToTheMillisecond() {
        LatencyHistogram histogram = new LatencyHistogram();
        histogram.record(10);
        histogram.record(250_700);
        assertThat(histogram.percentile(0.5)).isEqualTo(10);
        assertThat(histogram.percentile(1.0)).isEqualTo(250_000);
    }

    @Test
    void emptyHistogramReportsZero() {
        assertThat(new LatencyHistogram().percentile(0.99)).isZero();
    }
}
