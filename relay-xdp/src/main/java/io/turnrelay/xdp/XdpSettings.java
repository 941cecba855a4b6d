package io.turnrelay.xdp;

import java.util.List;
import java.util.Objects;

/**
 * What the program is loaded with: where it attaches, and the relay's ports, which it needs to tell client
 * ChannelData from peer datagrams.
 *
 * @param interfaces network interfaces to attach to (at least one)
 * @param mode how to attach
 * @param listenPorts the relay's UDP listening ports (1 to 8)
 * @param lowestRelayPort the lowest relay port of the allocations
 * @param highestRelayPort the highest relay port
 * @param highestChannelNumber 0x4FFF (RFC 8656) or 0x7FFF (RFC 5766 channel numbers)
 * @param maxChannels how many channels the program's tables hold per address family
 * @param nextHop how a relayed frame finds the next hop's MAC address
 */
public record XdpSettings(List<String> interfaces, XdpMode mode, List<Integer> listenPorts, int lowestRelayPort, int highestRelayPort,
        int highestChannelNumber, int maxChannels, NextHop nextHop) {

    /** How a relayed frame gets its Ethernet addresses. */
    public enum NextHop {
        /** {@link #ROUTE_LOOKUP} where every interface forwards IPv4 and IPv6 (the kernel's route lookup needs it),
         *  otherwise {@link #SWAP_MACS}; decided when the program is loaded. */
        AUTO,
        /** The kernel's route and neighbour table for the new destination (bpf_fib_lookup), which answers only where
         *  the interface forwards (sysctl net.ipv4.conf.IFACE.forwarding, net.ipv6.conf.IFACE.forwarding); the frame
         *  must leave by the interface it came in on, else it goes to the relay. */
        ROUTE_LOOKUP,
        /** The incoming frame's addresses swapped: right only when every client and peer is reached through the one
         *  gateway the frame came from (the Firezone relay's way). */
        SWAP_MACS
    }

    public XdpSettings {
        Objects.requireNonNull(interfaces, "interfaces");
        interfaces = List.copyOf(interfaces);
        listenPorts = List.copyOf(listenPorts);
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(nextHop, "nextHop");
        if (interfaces.isEmpty()) {
            throw new IllegalArgumentException("at least one interface is needed");
        }
        if (listenPorts.isEmpty() || listenPorts.size() > 8) {
            throw new IllegalArgumentException("1 to 8 listening ports, not " + listenPorts.size());
        }
        if (lowestRelayPort < 1 || highestRelayPort > 65535 || lowestRelayPort > highestRelayPort) {
            throw new IllegalArgumentException("bad relay port range " + lowestRelayPort + "-" + highestRelayPort);
        }
        for (int port : listenPorts) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("bad listening port " + port);
            }
            if (port >= lowestRelayPort && port <= highestRelayPort) {
                throw new IllegalArgumentException("listening port " + port + " lies in the relay port range");
            }
        }
        if (highestChannelNumber != 0x4FFF && highestChannelNumber != 0x7FFF) {
            throw new IllegalArgumentException("highestChannelNumber must be 0x4FFF or 0x7FFF");
        }
        if (maxChannels < 1) {
            throw new IllegalArgumentException("maxChannels must be positive");
        }
    }

    /** The next hop chosen {@link NextHop#AUTO automatically}. */
    public XdpSettings(List<String> interfaces, XdpMode mode, List<Integer> listenPorts, int lowestRelayPort, int highestRelayPort,
            int highestChannelNumber, int maxChannels) {
        this(interfaces, mode, listenPorts, lowestRelayPort, highestRelayPort, highestChannelNumber, maxChannels, NextHop.AUTO);
    }

    /** The same settings with {@code hop} as the next-hop rule. */
    public XdpSettings withNextHop(NextHop hop) {
        return new XdpSettings(interfaces, mode, listenPorts, lowestRelayPort, highestRelayPort, highestChannelNumber, maxChannels, hop);
    }
}
