package io.turnrelay.api.metrics;

import io.turnrelay.api.Histogram;
import io.turnrelay.api.RelayStats;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * One metric of a relay: its name, type, help, unit and label names, and how its series are read from a
 * {@link RelayStats} snapshot. Names are dot-separated ({@code turnrelay.relayed.packets}), as Micrometer writes them;
 * {@link #prometheusName()} is the name Prometheus sees, to which its writers add {@code _total} for counters.
 */
public final class RelayMetric {
    /** What the values mean to a metrics library. */
    public enum Type {
        /** A value that goes up and down. */
        GAUGE,
        /** A count that only grows while the relay runs. */
        COUNTER,
        /** A {@link Histogram} of observations. */
        HISTOGRAM
    }

    /** Receives a metric's series read from one snapshot: one call per combination of label values. */
    public interface Series {
        /** A gauge's or counter's value; {@code labelValues} in the order of {@link #labelNames()}. */
        void value(double value, String... labelValues);

        /** A histogram's buckets; {@code labelValues} in the order of {@link #labelNames()}. */
        void histogram(Histogram histogram, String... labelValues);
    }

    /** Reads a metric's series from a snapshot. */
    @FunctionalInterface
    public interface Reader {
        void read(RelayStats stats, Series series);
    }

    private final String name;
    private final Type type;
    private final String help;
    private final @Nullable String unit;
    private final List<String> labelNames;
    private final Reader reader;

    /**
     * @param name lower-case words separated by dots, e.g. {@code turnrelay.relayed.packets}
     * @param unit the base unit ({@code seconds}, {@code bytes}), or null for a plain count
     * @throws IllegalArgumentException when the name or a label name is not lower-case words
     */
    public RelayMetric(String name, Type type, String help, @Nullable String unit, List<String> labelNames, Reader reader) {
        if (!name.matches("[a-z][a-z0-9]*(\\.[a-z][a-z0-9]*)*")) {
            throw new IllegalArgumentException("name: lower-case words separated by dots, not '" + name + "'");
        }
        for (String label : labelNames) {
            if (!label.matches("[a-z][a-z0-9_]*")) {
                throw new IllegalArgumentException("label name: lower-case, not '" + label + "'");
            }
        }
        this.name = name;
        this.type = type;
        this.help = help;
        this.unit = unit;
        this.labelNames = List.copyOf(labelNames);
        this.reader = reader;
    }

    public String name() {
        return name;
    }

    /**
     * The Prometheus name: dots become underscores and the unit is appended unless the name ends with it already
     * (Micrometer's Prometheus naming does the same), e.g. {@code turnrelay_allocation_duration_seconds}.
     */
    public String prometheusName() {
        String underscored = name.replace('.', '_');
        return unit == null || underscored.endsWith("_" + unit) ? underscored : underscored + "_" + unit;
    }

    public Type type() {
        return type;
    }

    public String help() {
        return help;
    }

    public @Nullable String unit() {
        return unit;
    }

    public List<String> labelNames() {
        return labelNames;
    }

    /** Hands every series of this metric in {@code stats} to {@code series}. */
    public void read(RelayStats stats, Series series) {
        reader.read(stats, series);
    }

    @Override
    public String toString() {
        return type.name().toLowerCase(Locale.ROOT) + " " + name + labelNames;
    }
}
