/**
 * A fast path beside the relay's own, such as an XDP program in the kernel, that relays the bound channels of UDP
 * clients. The relay stays its only authority: it offers a channel only after it bound it (peer policy, permissions
 * and quotas checked), and withdraws it before it considers the channel, its permission or its allocation gone.
 * Set one with {@link io.turnrelay.api.RelayConfig.Builder#channelOffload}.
 */
@NullMarked
package io.turnrelay.api.offload;

import org.jspecify.annotations.NullMarked;
