package io.turnrelay.xdp;

import io.turnrelay.api.offload.OffloadCounters;

/**
 * What the program did, summed over CPUs, and what its tables hold.
 *
 * @param relayed what it relayed each way
 * @param missed datagrams that looked relayable but had no entry, passed to the relay (e.g. just before a bind)
 * @param unroutable datagrams with an entry but no next hop on the interface they came in on, passed to the relay
 * @param entries table entries now (two per offloaded channel)
 */
public record XdpStatistics(OffloadCounters relayed, long missed, long unroutable, int entries) {}
