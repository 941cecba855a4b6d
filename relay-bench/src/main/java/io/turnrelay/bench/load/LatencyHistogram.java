package io.turnrelay.bench.load;

/** Round-trip times in microseconds: 1 µs buckets up to 100 ms, 1 ms buckets up to 200 s. */
final class LatencyHistogram {
    private static final int FINE_LIMIT_MICROS = 100_000;
    private final long[] fine = new long[FINE_LIMIT_MICROS];
    private final long[] coarse = new long[200_000];
    private long count;

    void record(long micros) {
        if (micros < 0) {
            micros = 0;
        }
        if (micros < FINE_LIMIT_MICROS) {
            fine[(int) micros]++;
        } else {
            coarse[(int) Math.min(coarse.length - 1, micros / 1000)]++;
        }
        count++;
    }

    long count() {
        return count;
    }

    /** The smallest recorded value such that at least {@code quantile} of all values are at or below it. */
    long percentile(double quantile) {
        if (count == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(quantile * count));
        long seen = 0;
        for (int i = 0; i < fine.length; i++) {
            seen += fine[i];
            if (seen >= rank) {
                return i;
            }
        }
        for (int i = 0; i < coarse.length; i++) {
            seen += coarse[i];
            if (seen >= rank) {
                return i * 1000L;
            }
        }
        return coarse.length * 1000L;
    }
}
