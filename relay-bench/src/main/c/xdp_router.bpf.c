/*
 * The benchmark's router, in the kernel: forwards IPv4 and IPv6 between the router namespace's links with the
 * kernel's own routes and neighbours (bpf_fib_lookup) and bpf_redirect, as a hardware router would forward without
 * costing the relay's host anything. Anything it cannot forward (no route, no neighbour entry yet, TTL running out,
 * not IP) goes up to the kernel, which forwards or answers it the usual way.
 *
 * Build: clang -O2 -g -target bpf -I/usr/include/x86_64-linux-gnu -c xdp_router.bpf.c -o xdp_router.bpf.o
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define AF_INET 2
#define AF_INET6 10

SEC("xdp")
int xdp_router(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > end) {
        return XDP_PASS;
    }
    struct bpf_fib_lookup fib = {};
    struct iphdr *ip = NULL;
    struct ipv6hdr *ip6 = NULL;
    if (eth->h_proto == bpf_htons(ETH_P_IP)) {
        ip = (void *)(eth + 1);
        if ((void *)(ip + 1) > end || ip->ttl <= 1) {
            return XDP_PASS;
        }
        fib.family = AF_INET;
        fib.tos = ip->tos;
        fib.l4_protocol = ip->protocol;
        fib.tot_len = bpf_ntohs(ip->tot_len);
        fib.ipv4_src = ip->saddr;
        fib.ipv4_dst = ip->daddr;
    } else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
        ip6 = (void *)(eth + 1);
        if ((void *)(ip6 + 1) > end || ip6->hop_limit <= 1) {
            return XDP_PASS;
        }
        fib.family = AF_INET6;
        fib.l4_protocol = ip6->nexthdr;
        fib.tot_len = bpf_ntohs(ip6->payload_len);
        __builtin_memcpy(fib.ipv6_src, &ip6->saddr, sizeof(fib.ipv6_src));
        __builtin_memcpy(fib.ipv6_dst, &ip6->daddr, sizeof(fib.ipv6_dst));
    } else {
        return XDP_PASS;
    }
    fib.ifindex = ctx->ingress_ifindex;
    if (bpf_fib_lookup(ctx, &fib, sizeof(fib), 0) != BPF_FIB_LKUP_RET_SUCCESS) {
        return XDP_PASS;
    }
    if (ip != NULL) {
        /* TTL down by one, the header checksum patched for it (RFC 1624). */
        __u32 sum = ip->check + bpf_htons(0x0100);
        ip->check = (__u16)(sum + (sum >= 0xFFFF));
        ip->ttl--;
    } else if (ip6 != NULL) {
        ip6->hop_limit--;
    }
    __builtin_memcpy(eth->h_dest, fib.dmac, ETH_ALEN);
    __builtin_memcpy(eth->h_source, fib.smac, ETH_ALEN);
    return bpf_redirect(fib.ifindex, 0);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
