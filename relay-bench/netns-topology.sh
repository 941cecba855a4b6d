#!/usr/bin/env bash
# Three hosts on one machine for the XDP data plane: a TURN client and a peer outside, the relay in a network
# namespace of its own, all joined by a router namespace through veth pairs. Used by relay-cli's XdpNamespaceIT and
# by run-xdp-bench.sh; needs root (ip, ethtool) and touches nothing outside the namespaces it creates, except the
# optional host link.
#
#   netns-topology.sh up [PREFIX]     create PREFIX{client,peer,relay,router} (PREFIX default: tq)
#   netns-topology.sh down [PREFIX]   delete them (and the host link)
#
#   client  eth0 198.18.1.2/24  2001:db8:1::2/64    default via the router
#   peer    eth0 198.18.2.2/24  2001:db8:2::2/64    default via the router
#   relay   eth0 198.18.3.2/24  2001:db8:3::2/64    default via the router
#   host    (HOST_LINK=1) PREFIXh0 198.18.4.2/24 2001:db8:4::2/64 in the caller's namespace, with routes to
#           198.18.0.0/16 and 2001:db8::/32 through the router, so that a test's own sockets reach the relay
#
# Environment: HOST_LINK=1 (above); XDP_PASS_OBJECT, a path of xdp_pass.bpf.o, attached in native mode to each of the
# router's links named in XDP_PASS_LINKS (default rr: the relay's); RELAY_TX_OFF=1 also turns the relay's TX
# checksum offload off (needed when the peer echoes in XDP, which cannot complete a partial checksum).
#
# Addresses come from 198.18.0.0/15 (RFC 2544, benchmarking) and 2001:db8::/32 (documentation) only. Two details
# of veth matter to XDP (see relay-xdp/README.md): the router's end of the relay's link runs xdp_pass.bpf.o in
# native mode when XDP_PASS_OBJECT names it, because XDP_TX on veth reaches only a peer that runs XDP itself; and
# the senders' TX checksum offload is off, because datagrams from local sockets otherwise carry partial checksums.
set -euo pipefail

action=${1:?usage: netns-topology.sh up|down [PREFIX]}
P=${2:-tq}

down() {
  for n in client peer relay router; do
    ip netns del "${P}$n" 2>/dev/null || true
  done
  ip link del "${P}h0" 2>/dev/null || true
  ip route del 198.18.0.0/16 via 198.18.4.1 2>/dev/null || true
  ip -6 route del 2001:db8::/32 via 2001:db8:4::1 2>/dev/null || true
}

in_ns() { # namespace command...
  local ns=$1
  shift
  ip netns exec "${P}$ns" "$@"
}

# host: the namespace at one end; index: its subnet 198.18.INDEX.0/24; rname: the router's end
link() { # host index rname
  local host=$1 index=$2 rname=$3
  ip link add "${P}tmp$index" type veth peer name "${P}r$index"
  ip link set "${P}tmp$index" netns "${P}$host"
  ip link set "${P}r$index" netns "${P}router"
  in_ns "$host" ip link set "${P}tmp$index" name eth0
  in_ns router ip link set "${P}r$index" name "$rname"
  in_ns "$host" ip link set lo up
  in_ns "$host" ip link set eth0 up
  in_ns "$host" ip addr add "198.18.$index.2/24" dev eth0
  in_ns "$host" ip -6 addr add "2001:db8:$index::2/64" dev eth0 nodad
  in_ns "$host" ip route add default via "198.18.$index.1"
  in_ns "$host" ip -6 route add default via "2001:db8:$index::1"
  in_ns router ip link set "$rname" up
  in_ns router ip addr add "198.18.$index.1/24" dev "$rname"
  in_ns router ip -6 addr add "2001:db8:$index::1/64" dev "$rname" nodad
}

up() {
  down
  for n in client peer relay router; do
    ip netns add "${P}$n"
  done
  in_ns router ip link set lo up
  in_ns router sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
  link client 1 rc
  link peer 2 rp
  link relay 3 rr
  in_ns client ethtool -K eth0 tx off >/dev/null
  in_ns peer ethtool -K eth0 tx off >/dev/null
  if [ "${HOST_LINK:-0}" = 1 ]; then
    ip link add "${P}h0" type veth peer name "${P}r4"
    ip link set "${P}r4" netns "${P}router"
    in_ns router ip link set "${P}r4" name rh
    in_ns router ip link set rh up
    in_ns router ip addr add 198.18.4.1/24 dev rh
    in_ns router ip -6 addr add 2001:db8:4::1/64 dev rh nodad
    ip link set "${P}h0" up
    ip addr add 198.18.4.2/24 dev "${P}h0"
    ip -6 addr add 2001:db8:4::2/64 dev "${P}h0" nodad
    ip route add 198.18.0.0/16 via 198.18.4.1
    ip -6 route add 2001:db8::/32 via 2001:db8:4::1
    ethtool -K "${P}h0" tx off >/dev/null
  fi
  if [ "${RELAY_TX_OFF:-0}" = 1 ]; then
    in_ns relay ethtool -K eth0 tx off >/dev/null
  fi
  if [ -n "${XDP_PASS_OBJECT:-}" ]; then
    for l in ${XDP_PASS_LINKS:-rr}; do
      in_ns router ip link set dev "$l" xdpdrv obj "$XDP_PASS_OBJECT" sec xdp
    done
  fi
}

case "$action" in
  up) up ;;
  down) down ;;
  *) echo "usage: netns-topology.sh up|down [PREFIX]" >&2; exit 2 ;;
esac
