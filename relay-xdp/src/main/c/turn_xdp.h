/*
 * Layouts shared by the XDP program (turn_xdp.bpf.c), its JNI loader (turn_xdp_jni.c) and the Java control plane
 * (io.turnrelay.xdp.ChannelEntries writes these bytes): every address, port and channel number is in network byte
 * order, as in the packet, so the program compares and copies them without conversion.
 */
#ifndef TURN_XDP_H
#define TURN_XDP_H

#include <linux/types.h>

#define TURN_XDP_MAX_LISTEN_PORTS 8

/* How the rewritten frame finds its next hop. */
#define TURN_XDP_NEXT_HOP_FIB 0  /* bpf_fib_lookup: route and neighbour of the new destination */
#define TURN_XDP_NEXT_HOP_SWAP 1 /* swap the MACs: clients and peers are all behind the relay's one gateway */

/* Loaded into the program's .rodata before it is verified, so the verifier sees them as constants. */
struct turn_xdp_config {
    __u16 listen_ports[TURN_XDP_MAX_LISTEN_PORTS]; /* network order; unused slots 0 */
    __u16 lowest_relay_port;                       /* host order */
    __u16 highest_relay_port;                      /* host order */
    __u16 highest_channel;                         /* host order: 0x4FFF or 0x7FFF */
    __u16 next_hop;                                /* TURN_XDP_NEXT_HOP_* */
};

/* Client to peer, IPv4: ChannelData from (client, on listen port, channel) goes to (peer) from relay port. */
struct client_key_v4 {
    __u32 client_ip;
    __u16 client_port;
    __u16 listen_port;
    __u16 channel;
    __u16 pad;
};

struct peer_key_v4 {
    __u32 peer_ip;
    __u16 peer_port;
    __u16 relay_port;
};

struct client_key_v6 {
    __u32 client_ip[4];
    __u16 client_port;
    __u16 listen_port;
    __u16 channel;
    __u16 pad;
};

struct peer_key_v6 {
    __u32 peer_ip[4];
    __u16 peer_port;
    __u16 relay_port;
};

/* The two directions are each other's key: a client key's value is its peer key, and the other way round. */

/* Per CPU, summed by the control plane. Bytes are payload bytes, ChannelData headers not counted. */
struct turn_xdp_stats {
    __u64 to_peer_packets;
    __u64 to_peer_bytes;
    __u64 to_client_packets;
    __u64 to_client_bytes;
    __u64 missed;     /* looked like relayed traffic, but no entry: passed to the relay */
    __u64 unroutable; /* entry found, but no next hop on the same interface (or no room): passed */
};

#endif
