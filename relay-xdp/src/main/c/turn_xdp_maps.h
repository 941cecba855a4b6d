/*
 * The program's tables and counters, as the loader (turn_xdp_jni.c) finds them by name. In a header of their own so
 * that the test program the verifier must refuse (src/test/c/refused.bpf.c) declares the very same ones.
 */
#ifndef TURN_XDP_MAPS_H
#define TURN_XDP_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "turn_xdp.h"

/* max_entries are set by the loader from the relay's allocation limit. */
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

#endif
