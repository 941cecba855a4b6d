package io.turnrelay.api;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Another relay a refused Allocate is sent to with 300 Try Alternate (RFC 8489 §10): its IP address and port go into
 * ALTERNATE-SERVER, and {@code domain}, when given, into ALTERNATE-DOMAIN for clients that came over TLS (they verify
 * the alternate's certificate against it, RFC 8489 §14.15).
 *
 * @param domain the name in the alternate's certificate, or null
 */
public record AlternateServer(InetSocketAddress address, @Nullable String domain) {
    private static final int MAX_DOMAIN_BYTES = 255;

    public AlternateServer {
        Objects.requireNonNull(address, "address");
        InetAddress ip = address.getAddress();
        if (address.isUnresolved() || ip == null) {
            throw new IllegalArgumentException("alternate server " + address + ": not an IP address");
        }
        if (ip.isAnyLocalAddress()) {
            throw new IllegalArgumentException("alternate server " + address + ": a wildcard address reaches no server");
        }
        if (address.getPort() == 0) {
            throw new IllegalArgumentException("alternate server " + address + ": port 0 reaches no server");
        }
        if (domain != null && (domain.isEmpty() || domain.getBytes(StandardCharsets.UTF_8).length > MAX_DOMAIN_BYTES)) {
            throw new IllegalArgumentException("alternate server domain: must have 1 to " + MAX_DOMAIN_BYTES + " bytes, not '" + domain + "'");
        }
    }

    /** An alternate without a domain. */
    public static AlternateServer of(InetAddress ip, int port) {
        return new AlternateServer(new InetSocketAddress(ip, port), null);
    }

    /**
     * Reads {@code IP:PORT}, {@code [IPv6]:PORT} or, with the name its certificate carries, {@code DOMAIN@IP:PORT}.
     * The IP is a numeric literal: nothing is looked up in DNS.
     *
     * @throws IllegalArgumentException saying what is wrong with {@code text}
     */
    public static AlternateServer parse(String text) {
        int at = text.lastIndexOf('@');
        String domain = at < 0 ? null : text.substring(0, at);
        String hostAndPort = text.substring(at + 1);
        int colon = hostAndPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostAndPort.length() - 1) {
            throw new IllegalArgumentException("'" + text + "' is not IP:PORT, [IPv6]:PORT or DOMAIN@IP:PORT");
        }
        String host = hostAndPort.substring(0, colon);
        boolean bracketed = host.startsWith("[") && host.endsWith("]");
        if (bracketed) {
            host = host.substring(1, host.length() - 1);
        } else if (host.indexOf(':') >= 0) {
            throw new IllegalArgumentException("'" + text + "': write an IPv6 address as [ADDRESS]:PORT");
        }
        byte[] bytes = IpLiteral.parse(host);
        if (bytes == null || (bracketed && bytes.length != 16)) {
            throw new IllegalArgumentException("'" + text + "': '" + host + "' is not a numeric IPv4 or IPv6 address");
        }
        int port;
        try {
            port = Integer.parseInt(hostAndPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "': '" + hostAndPort.substring(colon + 1) + "' is not a port number", e);
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("'" + text + "': " + port + " is not a port (1-65535)");
        }
        try {
            return new AlternateServer(new InetSocketAddress(InetAddress.getByAddress(bytes), port), domain);
        } catch (UnknownHostException e) {
            throw new AssertionError("4 or 16 address bytes", e);
        }
    }

    /** {@code 192.0.2.7:3478}, {@code [2001:db8::7]:3478}, {@code turn2.example.com@192.0.2.7:5349}. */
    @Override
    public String toString() {
        InetAddress ip = address.getAddress();
        String text = IpLiteral.format(ip.getAddress());
        String host = ip instanceof Inet6Address ? "[" + text + "]" : text;
        return (domain == null ? "" : domain + "@") + host + ":" + address.getPort();
    }
}
