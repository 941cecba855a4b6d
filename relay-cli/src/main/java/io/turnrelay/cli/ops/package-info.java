/** Operations endpoints of the standalone relay: liveness, readiness and Prometheus metrics over HTTP. */
@NullMarked
package io.turnrelay.cli.ops;

import org.jspecify.annotations.NullMarked;
