/*
 * A program the verifier must refuse: it reads the packet without checking its length first. It declares the
 * real program's tables, so the loader gets as far as the verifier.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "../../main/c/turn_xdp.h"

const volatile struct turn_xdp_config CONFIG SEC(".rodata.config") = {};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 1);
    __type(key, struct client_key_v4);
    __type(value, struct peer_key_v4);
} to_peer_v4 SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 1);
    __type(key, struct peer_key_v4);
    __type(value, struct client_key_v4);
} to_client_v4 SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 1);
    __type(key, struct client_key_v6);
    __type(value, struct peer_key_v6);
} to_peer_v6 SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 1);
    __type(key, struct peer_key_v6);
    __type(value, struct client_key_v6);
} to_client_v6 SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct turn_xdp_stats);
} stats SEC(".maps");

SEC("xdp")
int turn_xdp(struct xdp_md *ctx)
{
    unsigned char *data = (unsigned char *)(long)ctx->data;
    return data[100] == CONFIG.next_hop ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
