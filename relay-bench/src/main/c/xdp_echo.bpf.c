/*
 * The benchmark's echo peer, in the kernel: every UDP datagram to port ECHO_PORT (IPv4 or IPv6) goes straight back
 * to its sender, with the Ethernet, IP and UDP source and destination swapped. Swapping keeps every checksum valid,
 * so nothing is recomputed. An echo that costs almost nothing leaves the machine's CPU to the relay under test
 * (turnutils_peer, in userspace, would need about as much CPU as the relay itself).
 *
 * Build: clang -O2 -g -target bpf -I/usr/include/x86_64-linux-gnu -c xdp_echo.bpf.c -o xdp_echo.bpf.o
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define ECHO_PORT 3480

static __always_inline int echo_udp(struct udphdr *udp, void *end)
{
    if ((void *)(udp + 1) > end || udp->dest != bpf_htons(ECHO_PORT)) {
        return 0;
    }
    __u16 port = udp->source;
    udp->source = udp->dest;
    udp->dest = port;
    return 1;
}

SEC("xdp")
int xdp_echo(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > end) {
        return XDP_PASS;
    }
    if (eth->h_proto == bpf_htons(ETH_P_IP)) {
        struct iphdr *ip = (void *)(eth + 1);
        if ((void *)(ip + 1) > end || ip->ihl != 5 || ip->protocol != IPPROTO_UDP || (ip->frag_off & bpf_htons(0x3FFF))) {
            return XDP_PASS;
        }
        if (!echo_udp((void *)(ip + 1), end)) {
            return XDP_PASS;
        }
        __u32 address = ip->saddr;
        ip->saddr = ip->daddr;
        ip->daddr = address;
    } else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
        struct ipv6hdr *ip6 = (void *)(eth + 1);
        if ((void *)(ip6 + 1) > end || ip6->nexthdr != IPPROTO_UDP) {
            return XDP_PASS;
        }
        if (!echo_udp((void *)(ip6 + 1), end)) {
            return XDP_PASS;
        }
        struct in6_addr address = ip6->saddr;
        ip6->saddr = ip6->daddr;
        ip6->daddr = address;
    } else {
        return XDP_PASS;
    }
    unsigned char mac[ETH_ALEN];
    __builtin_memcpy(mac, eth->h_source, ETH_ALEN);
    __builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
    __builtin_memcpy(eth->h_dest, mac, ETH_ALEN);
    return XDP_TX;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
