/**
 * The metrics a relay's {@link io.turnrelay.api.RelayStats} make, described once for every metrics library: names,
 * types, help, labels and how each series is read from one snapshot. Exporters (relay-cli's Prometheus endpoint,
 * relay-micrometer's binder) turn {@link io.turnrelay.api.metrics.RelayMetrics#all()} into their own meters, so a metric added
 * there appears in all of them.
 */
@NullMarked
package io.turnrelay.api.metrics;

import org.jspecify.annotations.NullMarked;
