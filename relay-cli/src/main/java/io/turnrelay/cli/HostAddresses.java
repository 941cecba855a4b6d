package io.turnrelay.cli;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Enumeration;
import org.jspecify.annotations.Nullable;

/** Finds the address a standalone relay announces when the operator names none. */
final class HostAddresses {
    private HostAddresses() {}

    /** The first IPv4 address of an up interface that is neither loopback nor link-local, or null. */
    static @Nullable InetAddress firstUsableIpv4() {
        try {
            Enumeration<NetworkInterface> interfaces = NetworkInterface.getNetworkInterfaces();
            if (interfaces == null) {
                return null;
            }
            for (NetworkInterface networkInterface : java.util.Collections.list(interfaces)) {
                if (!networkInterface.isUp() || networkInterface.isLoopback()) {
                    continue;
                }
                for (InetAddress address : java.util.Collections.list(networkInterface.getInetAddresses())) {
                    if (address instanceof Inet4Address && !address.isLoopbackAddress() && !address.isLinkLocalAddress()
                            && !address.isAnyLocalAddress()) {
                        return address;
                    }
                }
            }
            return null;
        } catch (SocketException e) {
            return null;
        }
    }
}
