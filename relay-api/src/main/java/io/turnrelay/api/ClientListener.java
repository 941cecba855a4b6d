package io.turnrelay.api;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * One address clients reach the relay on: UDP, TCP or TLS at an IP and port. With {@code detectTls} a TCP
 * listener also serves TLS, told apart by the first byte of each connection (a TLS record starts with 0x16,
 * STUN and ChannelData never do), as coturn and eturnal do.
 */
public record ClientListener(ClientTransport transport, InetSocketAddress address, boolean detectTls) {

    public ClientListener {
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(address, "address");
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("listener address: " + address + " is not an IP address");
        }
        if (detectTls && transport != ClientTransport.TCP) {
            throw new IllegalArgumentException("listener " + address + ": TLS detection applies to TCP listeners only");
        }
    }

    public static ClientListener of(ClientTransport transport, InetAddress ip, int port) {
        return new ClientListener(transport, new InetSocketAddress(ip, port), false);
    }

    /** Whether the listener is a byte stream (TCP or TLS). */
    public boolean isStream() {
        return transport.isStream();
    }

    /** {@code tcp 0.0.0.0:3478}, {@code tls [::]:5349}, {@code tcp+tls 0.0.0.0:443}. */
    @Override
    public String toString() {
        InetAddress ip = address.getAddress();
        String text = IpLiteral.format(ip.getAddress());
        String host = ip instanceof Inet6Address ? "[" + text + "]" : text;
        return (detectTls ? "tcp+tls" : transport.label()) + " " + host + ":" + address.getPort();
    }
}
