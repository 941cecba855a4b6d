/**
 * Relaying ChannelData in the kernel: an XDP program that relays the bound channels of UDP clients both ways, and
 * {@link io.turnrelay.xdp.XdpOffload}, its control plane, a {@link io.turnrelay.api.offload.ChannelOffload} for a
 * relay. Linux only; needs CAP_BPF and CAP_NET_ADMIN, and a build with clang and libbpf.
 */
@NullMarked
package io.turnrelay.xdp;

import org.jspecify.annotations.NullMarked;
