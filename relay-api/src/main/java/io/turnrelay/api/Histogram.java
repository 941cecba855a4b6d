package io.turnrelay.api;

import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * An immutable histogram with fixed buckets, as a relay counts its observations: how many fell into each bucket and
 * their sum. Bucket {@code i} holds the observations above {@code upperBound(i - 1)} and at most {@code upperBound(i)};
 * the last bucket has no upper bound ({@link Double#POSITIVE_INFINITY}). Bounds and sum are in the metric's base unit
 * (seconds, bytes), so exporters can pass them on unchanged.
 */
public final class Histogram {
    private static final Histogram NO_BUCKETS = new Histogram(new double[0], new long[1], 0);

    private final double[] upperBounds;
    private final long[] counts;
    private final double sum;

    /**
     * @param upperBounds the finite upper bounds, strictly ascending
     * @param counts the count of each bucket (not cumulative), one more than {@code upperBounds}: the last is above them all
     * @param sum the sum of the observations
     * @throws IllegalArgumentException when the bounds are not finite and ascending, the lengths do not match, or a count is negative
     */
    public Histogram(double[] upperBounds, long[] counts, double sum) {
        if (counts.length != upperBounds.length + 1) {
            throw new IllegalArgumentException("counts: one per bound and one above them all, " + (upperBounds.length + 1) + " not " + counts.length);
        }
        for (int i = 0; i < upperBounds.length; i++) {
            if (!Double.isFinite(upperBounds[i]) || (i > 0 && upperBounds[i] <= upperBounds[i - 1])) {
                throw new IllegalArgumentException("upperBounds: finite and strictly ascending, not " + Arrays.toString(upperBounds));
            }
        }
        for (long count : counts) {
            if (count < 0) {
                throw new IllegalArgumentException("counts: negative in " + Arrays.toString(counts));
            }
        }
        this.upperBounds = upperBounds.clone();
        this.counts = counts.clone();
        this.sum = sum;
    }

    /** No observations in buckets with {@code upperBounds}. */
    public static Histogram empty(double... upperBounds) {
        return upperBounds.length == 0 ? NO_BUCKETS : new Histogram(upperBounds, new long[upperBounds.length + 1], 0);
    }

    /** How many buckets there are, the unbounded last one included. */
    public int buckets() {
        return counts.length;
    }

    /** The upper bound (inclusive) of {@code bucket}; {@link Double#POSITIVE_INFINITY} for the last. */
    public double upperBound(int bucket) {
        return bucket == upperBounds.length ? Double.POSITIVE_INFINITY : upperBounds[bucket];
    }

    /** The observations in {@code bucket} alone (not cumulative). */
    public long countIn(int bucket) {
        return counts[bucket];
    }

    /** Every observation. */
    public long count() {
        long total = 0;
        for (long count : counts) {
            total += count;
        }
        return total;
    }

    /** The sum of every observation, in the base unit. */
    public double sum() {
        return sum;
    }

    /**
     * This histogram and {@code other} together, e.g. two workers' counts.
     *
     * @throws IllegalArgumentException when their buckets differ
     */
    public Histogram plus(Histogram other) {
        if (!Arrays.equals(upperBounds, other.upperBounds)) {
            throw new IllegalArgumentException("buckets differ: " + Arrays.toString(upperBounds) + " and " + Arrays.toString(other.upperBounds));
        }
        long[] added = counts.clone();
        for (int i = 0; i < added.length; i++) {
            added[i] += other.counts[i];
        }
        return new Histogram(upperBounds, added, sum + other.sum);
    }

    @Override
    public boolean equals(@Nullable Object other) {
        return other instanceof Histogram that && Arrays.equals(upperBounds, that.upperBounds) && Arrays.equals(counts, that.counts)
                && Double.compare(sum, that.sum) == 0;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(upperBounds) + Arrays.hashCode(counts)) + Double.hashCode(sum);
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("Histogram[");
        for (int i = 0; i < counts.length; i++) {
            text.append(i == 0 ? "" : ", ").append("le ").append(upperBound(i)).append(": ").append(counts[i]);
        }
        return text.append("; sum ").append(sum).append(']').toString();
    }
}
