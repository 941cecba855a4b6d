package io.turnrelay.core.stun;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/**
 * The value of MAPPED-ADDRESS and its XOR variants (RFC 8489 §14.1-14.2): reserved byte, family, port,
 * address. The XOR mask is the header's bytes 4-19 (magic cookie, then transaction id), so both
 * directions read it from the message itself.
 */
final class AddressAttribute {
    static final int IPV4_VALUE_LENGTH = 8;
    static final int IPV6_VALUE_LENGTH = 20;
    private static final int MASK_OFFSET = 4;

    private AddressAttribute() {}

    /** The value length a family byte requires, or -1 for a family STUN does not define. */
    static int valueLength(int familyCode) {
        if (familyCode == AddressFamily.IPV4.code()) {
            return IPV4_VALUE_LENGTH;
        }
        if (familyCode == AddressFamily.IPV6.code()) {
            return IPV6_VALUE_LENGTH;
        }
        return -1;
    }

    /** Reads a value already checked by {@link #valueLength}. */
    static InetSocketAddress read(ByteBuffer buffer, int messageStart, int valueOffset, int valueLength, boolean xor) {
        int port = buffer.getShort(valueOffset + 2) & 0xFFFF;
        byte[] address = new byte[valueLength - 4];
        for (int i = 0; i < address.length; i++) {
            address[i] = buffer.get(valueOffset + 4 + i);
        }
        if (xor) {
            port ^= StunMessage.MAGIC_COOKIE >>> 16;
            for (int i = 0; i < address.length; i++) {
                address[i] ^= buffer.get(messageStart + MASK_OFFSET + i);
            }
        }
        return new InetSocketAddress(toInetAddress(address), port);
    }

    /** Writes the value (without attribute header) at the buffer's position. */
    static void write(ByteBuffer out, int messageStart, InetSocketAddress socketAddress, boolean xor) {
        byte[] address = addressBytes(socketAddress);
        int port = socketAddress.getPort();
        if (xor) {
            port ^= StunMessage.MAGIC_COOKIE >>> 16;
            for (int i = 0; i < address.length; i++) {
                address[i] ^= out.get(messageStart + MASK_OFFSET + i);
            }
        }
        out.put((byte) 0);
        out.put((byte) (address.length == 4 ? AddressFamily.IPV4.code() : AddressFamily.IPV6.code()));
        out.putShort((short) port);
        out.put(address);
    }

    /** The raw address of a resolved socket address; refuses unresolved ones. */
    static byte[] addressBytes(InetSocketAddress socketAddress) {
        InetAddress address = socketAddress.getAddress();
        if (address == null) {
            throw new IllegalArgumentException("unresolved address " + socketAddress);
        }
        return address.getAddress();
    }

    private static InetAddress toInetAddress(byte[] address) {
        try {
            // Inet6Address keeps IPv4-mapped addresses as IPv6, which InetAddress.getByAddress would not.
            return address.length == 4 ? Inet4Address.getByAddress(address) : Inet6Address.getByAddress(null, address, -1);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("address length was validated at parse time", e);
        }
    }
}
