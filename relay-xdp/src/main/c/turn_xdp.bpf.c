/*
 * turnrelay's XDP data plane: relays ChannelData of bound channels of UDP clients in the kernel.
 *
 * Client to peer: a ChannelData message arriving on a listen port from a client whose (address, port, listen
 * port, channel) is in to_peer_* loses its 4-byte header and leaves from the allocation's relay port to the peer.
 * Peer to client: a datagram arriving on a relay port from a peer whose (address, port, relay port) is in
 * to_client_* gains the header and leaves from the listen port to the client. Both go back out of the interface
 * they came in on (XDP_TX), headers rewritten in place and checksums patched incrementally.
 *
 * Everything else passes to the relay untouched, a table miss included: the relay fills the tables only after it
 * bound a channel, so until then (and for anything it never offloads) it relays the packets itself and none is
 * lost to the race. The relay's tables are the only authority; this program decides nothing on its own.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "turn_xdp.h"
#include "turn_xdp_maps.h"

#define AF_INET 2
#define AF_INET6 10
#define CHANNEL_DATA_HEADER 4
#define RELAYED_TTL 64
#define IP_MF_AND_OFFSET 0x3FFF

/* In a section of its own, so the loader can set it whatever else the compiler puts in .rodata. */
const volatile struct turn_xdp_config CONFIG SEC(".rodata.config") = {};


static __always_inline struct turn_xdp_stats *cpu_stats(void)
{
    __u32 zero = 0;
    return bpf_map_lookup_elem(&stats, &zero);
}

/* One's-complement arithmetic (RFC 1624): the checksum stays valid when every changed 16-bit word is replaced. */
static __always_inline __u32 replace16(__u32 sum, __u16 old, __u16 new)
{
    return sum + (__u16)~old + new;
}

static __always_inline __u32 replace32(__u32 sum, __u32 old, __u32 new)
{
    sum = replace16(sum, (__u16)old, (__u16)new);
    return replace16(sum, (__u16)(old >> 16), (__u16)(new >> 16));
}

static __always_inline __u32 replace128(__u32 sum, const __u32 *old, const __u32 *new)
{
#pragma unroll
    for (int i = 0; i < 4; i++) {
        sum = replace32(sum, old[i], new[i]);
    }
    return sum;
}

static __always_inline __u16 fold(__u32 sum)
{
    sum = (sum & 0xFFFF) + (sum >> 16);
    sum = (sum & 0xFFFF) + (sum >> 16);
    return (__u16)sum;
}

/* The finished UDP checksum from the running sum; a computed 0 is sent as 0xFFFF (0 means "none" in IPv4). */
static __always_inline __u16 udp_checksum(__u32 sum)
{
    __u16 check = ~fold(sum);
    return check == 0 ? 0xFFFF : check;
}

static __always_inline __u16 ipv4_header_checksum(const struct iphdr *ip)
{
    const __u16 *words = (const __u16 *)ip;
    __u32 sum = 0;
#pragma unroll
    for (int i = 0; i < (int)(sizeof(struct iphdr) / 2); i++) {
        sum += words[i];
    }
    return ~fold(sum);
}

static __always_inline int is_listen_port(__u16 port)
{
#pragma unroll
    for (int i = 0; i < TURN_XDP_MAX_LISTEN_PORTS; i++) {
        if (CONFIG.listen_ports[i] != 0 && CONFIG.listen_ports[i] == port) {
            return 1;
        }
    }
    return 0;
}

static __always_inline int is_relay_port(__u16 port)
{
    __u16 host = bpf_ntohs(port);
    return host >= CONFIG.lowest_relay_port && host <= CONFIG.highest_relay_port;
}

/*
 * The Ethernet header of the rewritten frame into out: from the route to the new destination (it must leave by
 * the interface it came in on, as XDP_TX sends it there), or the incoming one with its MACs swapped. 0 on success.
 */
static __always_inline int next_hop(struct xdp_md *ctx, const struct ethhdr *in, struct ethhdr *out, struct bpf_fib_lookup *fib)
{
    out->h_proto = in->h_proto;
    if (CONFIG.next_hop == TURN_XDP_NEXT_HOP_SWAP) {
        __builtin_memcpy(out->h_dest, in->h_source, ETH_ALEN);
        __builtin_memcpy(out->h_source, in->h_dest, ETH_ALEN);
        return 0;
    }
    fib->ifindex = ctx->ingress_ifindex;
    /* As output of this host, which sends relayed traffic from its own address: the route must leave by the
     * interface. (The kernel answers only where the interface forwards; the loader checks that.) */
    long rc = bpf_fib_lookup(ctx, fib, sizeof(*fib), BPF_FIB_LOOKUP_OUTPUT);
    if (rc != BPF_FIB_LKUP_RET_SUCCESS || fib->ifindex != ctx->ingress_ifindex) {
        return -1;
    }
    __builtin_memcpy(out->h_dest, fib->dmac, ETH_ALEN);
    __builtin_memcpy(out->h_source, fib->smac, ETH_ALEN);
    return 0;
}

static __always_inline int passed_unroutable(void)
{
    struct turn_xdp_stats *s = cpu_stats();
    if (s) {
        s->unroutable++;
    }
    return XDP_PASS;
}

static __always_inline int passed_missed(void)
{
    struct turn_xdp_stats *s = cpu_stats();
    if (s) {
        s->missed++;
    }
    return XDP_PASS;
}

/* Counts a datagram of payload bytes relayed to the peer, and sends it. */
static __always_inline int relayed_to_peer(__u64 payload)
{
    struct turn_xdp_stats *s = cpu_stats();
    if (s) {
        s->to_peer_packets++;
        s->to_peer_bytes += payload;
    }
    return XDP_TX;
}

/* Counts a datagram of payload bytes relayed to the client, and sends it. */
static __always_inline int relayed_to_client(__u64 payload)
{
    struct turn_xdp_stats *s = cpu_stats();
    if (s) {
        s->to_client_packets++;
        s->to_client_bytes += payload;
    }
    return XDP_TX;
}

static __always_inline int trim(struct xdp_md *ctx, long excess)
{
    if (excess > 0 && excess < 64) {
        return bpf_xdp_adjust_tail(ctx, (int)-excess);
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* IPv4                                                                                                             */

static __always_inline int client_to_peer_v4(struct xdp_md *ctx, struct ethhdr *eth, struct iphdr *ip, struct udphdr *udp,
                                             void *end)
{
    __u8 *cd = (__u8 *)(udp + 1);
    if ((void *)(cd + CHANNEL_DATA_HEADER) > end) {
        return XDP_PASS;
    }
    __u16 channel = *(__u16 *)cd;
    __u16 length = *(__u16 *)(cd + 2);
    __u16 host_channel = bpf_ntohs(channel);
    if (host_channel < 0x4000 || host_channel > CONFIG.highest_channel) {
        return XDP_PASS; /* STUN (first two bits 00) or not TURN */
    }
    __u16 udp_len = bpf_ntohs(udp->len);
    /* Padded or inconsistent ChannelData goes to the relay, which knows what to make of it. */
    if (udp_len != sizeof(struct udphdr) + CHANNEL_DATA_HEADER + bpf_ntohs(length)) {
        return XDP_PASS;
    }
    struct client_key_v4 key = {
        .client_ip = ip->saddr, .client_port = udp->source, .listen_port = udp->dest, .channel = channel};
    struct peer_key_v4 *peer = bpf_map_lookup_elem(&to_peer_v4, &key);
    if (!peer) {
        return passed_missed();
    }
    __u16 tot_len = bpf_ntohs(ip->tot_len) - CHANNEL_DATA_HEADER;

    struct ethhdr new_eth;
    struct bpf_fib_lookup fib = {
        .family = AF_INET, .l4_protocol = IPPROTO_UDP, .tot_len = tot_len, .tos = ip->tos,
        .sport = peer->relay_port, .dport = peer->peer_port, .ipv4_src = ip->daddr, .ipv4_dst = peer->peer_ip};
    if (next_hop(ctx, eth, &new_eth, &fib) != 0) {
        return passed_unroutable();
    }

    struct iphdr new_ip = *ip;
    new_ip.tot_len = bpf_htons(tot_len);
    new_ip.ttl = RELAYED_TTL;
    new_ip.saddr = ip->daddr;
    new_ip.daddr = peer->peer_ip;
    new_ip.check = 0;
    new_ip.check = ipv4_header_checksum(&new_ip);

    struct udphdr new_udp = {
        .source = peer->relay_port, .dest = peer->peer_port, .len = bpf_htons(udp_len - CHANNEL_DATA_HEADER), .check = 0};
    if (udp->check != 0) { /* 0: the client sent none, and IPv4 lets the relayed datagram go without one too */
        __u32 sum = (__u16)~udp->check;
        sum = replace32(sum, ip->saddr, new_ip.saddr);
        sum = replace32(sum, ip->daddr, new_ip.daddr);
        sum = replace16(sum, udp->len, new_udp.len); /* pseudo-header */
        sum = replace16(sum, udp->len, new_udp.len); /* UDP header */
        sum = replace16(sum, udp->source, new_udp.source);
        sum = replace16(sum, udp->dest, new_udp.dest);
        sum = replace16(sum, channel, 0);
        sum = replace16(sum, length, 0);
        new_udp.check = udp_checksum(sum);
    }

    void *data = (void *)(long)ctx->data;
    long excess = (long)(end - data) - (long)(sizeof(struct ethhdr) + bpf_ntohs(ip->tot_len));
    __u8 *start = (__u8 *)data + CHANNEL_DATA_HEADER;
    if ((void *)(start + sizeof(struct ethhdr) + sizeof(struct iphdr) + sizeof(struct udphdr)) > end) {
        return XDP_PASS;
    }
    __builtin_memcpy(start, &new_eth, sizeof(new_eth));
    __builtin_memcpy(start + sizeof(struct ethhdr), &new_ip, sizeof(new_ip));
    __builtin_memcpy(start + sizeof(struct ethhdr) + sizeof(struct iphdr), &new_udp, sizeof(new_udp));
    if (bpf_xdp_adjust_head(ctx, CHANNEL_DATA_HEADER) != 0 || trim(ctx, excess) != 0) {
        return XDP_DROP; /* cannot happen for a frame this long; the headers are overwritten already */
    }
    return relayed_to_peer(bpf_ntohs(length));
}

static __always_inline int peer_to_client_v4(struct xdp_md *ctx, struct ethhdr *eth, struct iphdr *ip, struct udphdr *udp,
                                             void *end)
{
    struct peer_key_v4 key = {.peer_ip = ip->saddr, .peer_port = udp->source, .relay_port = udp->dest};
    struct client_key_v4 *client = bpf_map_lookup_elem(&to_client_v4, &key);
    if (!client) {
        return passed_missed();
    }
    __u16 udp_len = bpf_ntohs(udp->len);
    __u16 payload = udp_len - sizeof(struct udphdr);
    __u16 tot_len = bpf_ntohs(ip->tot_len) + CHANNEL_DATA_HEADER;

    struct ethhdr new_eth;
    struct bpf_fib_lookup fib = {
        .family = AF_INET, .l4_protocol = IPPROTO_UDP, .tot_len = tot_len, .tos = ip->tos,
        .sport = client->listen_port, .dport = client->client_port, .ipv4_src = ip->daddr, .ipv4_dst = client->client_ip};
    if (next_hop(ctx, eth, &new_eth, &fib) != 0) {
        return passed_unroutable();
    }

    struct iphdr new_ip = *ip;
    new_ip.tot_len = bpf_htons(tot_len);
    new_ip.ttl = RELAYED_TTL;
    new_ip.saddr = ip->daddr;
    new_ip.daddr = client->client_ip;
    new_ip.check = 0;
    new_ip.check = ipv4_header_checksum(&new_ip);

    __u16 channel = client->channel;
    __u16 length = bpf_htons(payload);
    struct udphdr new_udp = {
        .source = client->listen_port, .dest = client->client_port, .len = bpf_htons(udp_len + CHANNEL_DATA_HEADER), .check = 0};
    if (udp->check != 0) {
        __u32 sum = (__u16)~udp->check;
        sum = replace32(sum, ip->saddr, new_ip.saddr);
        sum = replace32(sum, ip->daddr, new_ip.daddr);
        sum = replace16(sum, udp->len, new_udp.len);
        sum = replace16(sum, udp->len, new_udp.len);
        sum = replace16(sum, udp->source, new_udp.source);
        sum = replace16(sum, udp->dest, new_udp.dest);
        sum = replace16(sum, 0, channel);
        sum = replace16(sum, 0, length);
        new_udp.check = udp_checksum(sum);
    }

    long excess = (long)(end - (void *)eth) - (long)(sizeof(struct ethhdr) + bpf_ntohs(ip->tot_len));
    if (bpf_xdp_adjust_head(ctx, -CHANNEL_DATA_HEADER) != 0) {
        return passed_unroutable(); /* no headroom: the frame is untouched */
    }
    __u8 *data = (__u8 *)(long)ctx->data;
    void *new_end = (void *)(long)ctx->data_end;
    if ((void *)(data + sizeof(struct ethhdr) + sizeof(struct iphdr) + sizeof(struct udphdr) + CHANNEL_DATA_HEADER) > new_end) {
        return XDP_DROP;
    }
    __builtin_memcpy(data, &new_eth, sizeof(new_eth));
    __builtin_memcpy(data + sizeof(struct ethhdr), &new_ip, sizeof(new_ip));
    __builtin_memcpy(data + sizeof(struct ethhdr) + sizeof(struct iphdr), &new_udp, sizeof(new_udp));
    __u16 *header = (__u16 *)(data + sizeof(struct ethhdr) + sizeof(struct iphdr) + sizeof(struct udphdr));
    header[0] = channel;
    header[1] = length;
    if (trim(ctx, excess) != 0) {
        return XDP_DROP;
    }
    return relayed_to_client(payload);
}

static __always_inline int handle_ipv4(struct xdp_md *ctx, struct ethhdr *eth, void *end)
{
    struct iphdr *ip = (struct iphdr *)(eth + 1);
    if ((void *)(ip + 1) > end) {
        return XDP_PASS;
    }
    /* Options, fragments and anything but UDP go to the kernel's stack. */
    if (ip->version != 4 || ip->ihl != 5 || ip->protocol != IPPROTO_UDP || (ip->frag_off & bpf_htons(IP_MF_AND_OFFSET)) != 0) {
        return XDP_PASS;
    }
    struct udphdr *udp = (struct udphdr *)(ip + 1);
    if ((void *)(udp + 1) > end) {
        return XDP_PASS;
    }
    __u16 tot_len = bpf_ntohs(ip->tot_len);
    __u16 udp_len = bpf_ntohs(udp->len);
    if (udp_len < sizeof(struct udphdr) || tot_len != sizeof(struct iphdr) + udp_len || (void *)ip + tot_len > end) {
        return XDP_PASS;
    }
    if (is_listen_port(udp->dest)) {
        return client_to_peer_v4(ctx, eth, ip, udp, end);
    }
    if (is_relay_port(udp->dest)) {
        return peer_to_client_v4(ctx, eth, ip, udp, end);
    }
    return XDP_PASS;
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* IPv6                                                                                                             */

static __always_inline void copy_address(__u32 *to, const struct in6_addr *from)
{
    __builtin_memcpy(to, from, 16);
}

static __always_inline int client_to_peer_v6(struct xdp_md *ctx, struct ethhdr *eth, struct ipv6hdr *ip, struct udphdr *udp,
                                             void *end)
{
    __u8 *cd = (__u8 *)(udp + 1);
    if ((void *)(cd + CHANNEL_DATA_HEADER) > end) {
        return XDP_PASS;
    }
    __u16 channel = *(__u16 *)cd;
    __u16 length = *(__u16 *)(cd + 2);
    __u16 host_channel = bpf_ntohs(channel);
    if (host_channel < 0x4000 || host_channel > CONFIG.highest_channel) {
        return XDP_PASS;
    }
    __u16 udp_len = bpf_ntohs(udp->len);
    if (udp_len != sizeof(struct udphdr) + CHANNEL_DATA_HEADER + bpf_ntohs(length)) {
        return XDP_PASS;
    }
    struct client_key_v6 key = {.client_port = udp->source, .listen_port = udp->dest, .channel = channel};
    copy_address(key.client_ip, &ip->saddr);
    struct peer_key_v6 *peer = bpf_map_lookup_elem(&to_peer_v6, &key);
    if (!peer) {
        return passed_missed();
    }
    __u16 payload_len = udp_len - CHANNEL_DATA_HEADER;

    struct ethhdr new_eth;
    struct bpf_fib_lookup fib = {
        .family = AF_INET6, .l4_protocol = IPPROTO_UDP, .tot_len = sizeof(struct ipv6hdr) + payload_len,
        .sport = peer->relay_port, .dport = peer->peer_port};
    copy_address(fib.ipv6_src, &ip->daddr);
    __builtin_memcpy(fib.ipv6_dst, peer->peer_ip, 16);
    if (next_hop(ctx, eth, &new_eth, &fib) != 0) {
        return passed_unroutable();
    }

    struct ipv6hdr new_ip = *ip;
    new_ip.payload_len = bpf_htons(payload_len);
    new_ip.hop_limit = RELAYED_TTL;
    new_ip.saddr = ip->daddr;
    __builtin_memcpy(&new_ip.daddr, peer->peer_ip, 16);

    struct udphdr new_udp = {
        .source = peer->relay_port, .dest = peer->peer_port, .len = bpf_htons(payload_len), .check = 0};
    __u32 sum = (__u16)~udp->check;
    sum = replace128(sum, (const __u32 *)&ip->saddr, (const __u32 *)&new_ip.saddr);
    sum = replace128(sum, (const __u32 *)&ip->daddr, (const __u32 *)&new_ip.daddr);
    sum = replace16(sum, udp->len, new_udp.len);
    sum = replace16(sum, udp->len, new_udp.len);
    sum = replace16(sum, udp->source, new_udp.source);
    sum = replace16(sum, udp->dest, new_udp.dest);
    sum = replace16(sum, channel, 0);
    sum = replace16(sum, length, 0);
    new_udp.check = udp_checksum(sum);

    void *data = (void *)(long)ctx->data;
    long excess = (long)(end - data) - (long)(sizeof(struct ethhdr) + sizeof(struct ipv6hdr) + udp_len);
    __u8 *start = (__u8 *)data + CHANNEL_DATA_HEADER;
    if ((void *)(start + sizeof(struct ethhdr) + sizeof(struct ipv6hdr) + sizeof(struct udphdr)) > end) {
        return XDP_PASS;
    }
    __builtin_memcpy(start, &new_eth, sizeof(new_eth));
    __builtin_memcpy(start + sizeof(struct ethhdr), &new_ip, sizeof(new_ip));
    __builtin_memcpy(start + sizeof(struct ethhdr) + sizeof(struct ipv6hdr), &new_udp, sizeof(new_udp));
    if (bpf_xdp_adjust_head(ctx, CHANNEL_DATA_HEADER) != 0 || trim(ctx, excess) != 0) {
        return XDP_DROP;
    }
    return relayed_to_peer(bpf_ntohs(length));
}

static __always_inline int peer_to_client_v6(struct xdp_md *ctx, struct ethhdr *eth, struct ipv6hdr *ip, struct udphdr *udp,
                                             void *end)
{
    struct peer_key_v6 key = {.peer_port = udp->source, .relay_port = udp->dest};
    copy_address(key.peer_ip, &ip->saddr);
    struct client_key_v6 *client = bpf_map_lookup_elem(&to_client_v6, &key);
    if (!client) {
        return passed_missed();
    }
    __u16 udp_len = bpf_ntohs(udp->len);
    __u16 payload = udp_len - sizeof(struct udphdr);
    __u16 new_udp_len = udp_len + CHANNEL_DATA_HEADER;

    struct ethhdr new_eth;
    struct bpf_fib_lookup fib = {
        .family = AF_INET6, .l4_protocol = IPPROTO_UDP, .tot_len = sizeof(struct ipv6hdr) + new_udp_len,
        .sport = client->listen_port, .dport = client->client_port};
    copy_address(fib.ipv6_src, &ip->daddr);
    __builtin_memcpy(fib.ipv6_dst, client->client_ip, 16);
    if (next_hop(ctx, eth, &new_eth, &fib) != 0) {
        return passed_unroutable();
    }

    struct ipv6hdr new_ip = *ip;
    new_ip.payload_len = bpf_htons(new_udp_len);
    new_ip.hop_limit = RELAYED_TTL;
    new_ip.saddr = ip->daddr;
    __builtin_memcpy(&new_ip.daddr, client->client_ip, 16);

    __u16 channel = client->channel;
    __u16 length = bpf_htons(payload);
    struct udphdr new_udp = {
        .source = client->listen_port, .dest = client->client_port, .len = bpf_htons(new_udp_len), .check = 0};
    __u32 sum = (__u16)~udp->check;
    sum = replace128(sum, (const __u32 *)&ip->saddr, (const __u32 *)&new_ip.saddr);
    sum = replace128(sum, (const __u32 *)&ip->daddr, (const __u32 *)&new_ip.daddr);
    sum = replace16(sum, udp->len, new_udp.len);
    sum = replace16(sum, udp->len, new_udp.len);
    sum = replace16(sum, udp->source, new_udp.source);
    sum = replace16(sum, udp->dest, new_udp.dest);
    sum = replace16(sum, 0, channel);
    sum = replace16(sum, 0, length);
    new_udp.check = udp_checksum(sum);

    long excess = (long)(end - (void *)eth) - (long)(sizeof(struct ethhdr) + sizeof(struct ipv6hdr) + udp_len);
    if (bpf_xdp_adjust_head(ctx, -CHANNEL_DATA_HEADER) != 0) {
        return passed_unroutable();
    }
    __u8 *data = (__u8 *)(long)ctx->data;
    void *new_end = (void *)(long)ctx->data_end;
    if ((void *)(data + sizeof(struct ethhdr) + sizeof(struct ipv6hdr) + sizeof(struct udphdr) + CHANNEL_DATA_HEADER) > new_end) {
        return XDP_DROP;
    }
    __builtin_memcpy(data, &new_eth, sizeof(new_eth));
    __builtin_memcpy(data + sizeof(struct ethhdr), &new_ip, sizeof(new_ip));
    __builtin_memcpy(data + sizeof(struct ethhdr) + sizeof(struct ipv6hdr), &new_udp, sizeof(new_udp));
    __u16 *header = (__u16 *)(data + sizeof(struct ethhdr) + sizeof(struct ipv6hdr) + sizeof(struct udphdr));
    header[0] = channel;
    header[1] = length;
    if (trim(ctx, excess) != 0) {
        return XDP_DROP;
    }
    return relayed_to_client(payload);
}

static __always_inline int handle_ipv6(struct xdp_md *ctx, struct ethhdr *eth, void *end)
{
    struct ipv6hdr *ip = (struct ipv6hdr *)(eth + 1);
    if ((void *)(ip + 1) > end) {
        return XDP_PASS;
    }
    /* Extension headers (fragments among them) go to the kernel's stack. */
    if (ip->version != 6 || ip->nexthdr != IPPROTO_UDP) {
        return XDP_PASS;
    }
    struct udphdr *udp = (struct udphdr *)(ip + 1);
    if ((void *)(udp + 1) > end) {
        return XDP_PASS;
    }
    __u16 udp_len = bpf_ntohs(udp->len);
    /* A zero checksum is invalid over IPv6: the kernel's stack drops it. */
    if (udp_len < sizeof(struct udphdr) || bpf_ntohs(ip->payload_len) != udp_len || (void *)udp + udp_len > end || udp->check == 0) {
        return XDP_PASS;
    }
    if (is_listen_port(udp->dest)) {
        return client_to_peer_v6(ctx, eth, ip, udp, end);
    }
    if (is_relay_port(udp->dest)) {
        return peer_to_client_v6(ctx, eth, ip, udp, end);
    }
    return XDP_PASS;
}

SEC("xdp")
int turn_xdp(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > end) {
        return XDP_PASS;
    }
    if (eth->h_proto == bpf_htons(ETH_P_IP)) {
        return handle_ipv4(ctx, eth, end);
    }
    if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
        return handle_ipv6(ctx, eth, end);
    }
    return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
