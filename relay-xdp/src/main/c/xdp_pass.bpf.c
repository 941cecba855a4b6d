/*
 * Passes every frame. On veth, frames a program sends back with XDP_TX in native mode reach the other end only
 * when that end runs an XDP program too; the namespace tests and the benchmark attach this one there.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
    return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
