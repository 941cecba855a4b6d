package io.turnrelay.cli.ops;

import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A parsed {@code /metrics} body (Prometheus text or OpenMetrics): each sample's value by its series, so tests name a
 * series with its labels in any order, e.g. {@code turnrelay_relayed_packets_total{transport="udp",direction="client_to_peer",datapath="userspace"}}.
 */
public final class Scrape {
    private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})? (\\S+)( \\S+)?");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");

    private final String body;
    private final Map<String, Double> samples = new TreeMap<>();

    private Scrape(String body) {
        this.body = body;
        for (String line : body.split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            Matcher sample = SAMPLE.matcher(line);
            if (!sample.matches()) {
                throw new AssertionError("not a sample line: '" + line + "'");
            }
            String series = canonical(sample.group(1), sample.group(3));
            if (samples.put(series, parseValue(sample.group(4))) != null) {
                throw new AssertionError("series twice: " + series);
            }
        }
    }

    public static Scrape parse(String body) {
        return new Scrape(body);
    }

    /** Whether the scrape has {@code series}. */
    public boolean has(String series) {
        return samples.containsKey(canonical(series));
    }

    /** The value of {@code series}; fails naming the whole body when the scrape lacks it. */
    public double value(String series) {
        Double value = samples.get(canonical(series));
        if (value == null) {
            throw new AssertionError("no " + series + " in:\n" + body);
        }
        return value;
    }

    /** Every series, labels sorted by name, with its value. */
    public Map<String, Double> samples() {
        return samples;
    }

    private static String canonical(String series) {
        int brace = series.indexOf('{');
        return brace < 0 ? series : canonical(series.substring(0, brace), series.substring(brace + 1, series.length() - 1));
    }

    private static String canonical(String name, String labels) {
        if (labels == null || labels.isEmpty()) {
            return name;
        }
        Map<String, String> sorted = new TreeMap<>();
        Matcher label = LABEL.matcher(labels);
        int end = 0;
        while (label.lookingAt()) {
            sorted.put(label.group(1), label.group(2));
            end = label.end();
            label.region(end, labels.length());
        }
        if (end != labels.length()) {
            throw new AssertionError("bad labels: {" + labels + "}");
        }
        StringBuilder out = new StringBuilder(name).append('{');
        sorted.forEach((key, value) -> out.append(out.charAt(out.length() - 1) == '{' ? "" : ",").append(key).append("=\"").append(value).append('"'));
        return out.append('}').toString();
    }

    private static double parseValue(String text) {
        return switch (text) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(text);
        };
    }
}
