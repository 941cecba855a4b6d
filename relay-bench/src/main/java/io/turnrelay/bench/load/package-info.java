/** A TURN load generator: allocations with one channel each, ChannelData echoed by a peer, rate and latency measured. */
@NullMarked
package io.turnrelay.bench.load;

import org.jspecify.annotations.NullMarked;
