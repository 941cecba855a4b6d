/*
 * A program the verifier must refuse: it reads the packet without checking its length first. It declares the
 * real program's tables, so the loader gets as far as the verifier.
 */
#include "../../main/c/turn_xdp_maps.h"

const volatile struct turn_xdp_config CONFIG SEC(".rodata.config") = {};

SEC("xdp")
int turn_xdp(struct xdp_md *ctx)
{
    unsigned char *data = (unsigned char *)(long)ctx->data;
    return data[100] == CONFIG.next_hop ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
