package io.turnrelay.transport.netty;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.jspecify.annotations.Nullable;

/**
 * Turns a kernel {@code sockaddr_in}/{@code sockaddr_in6} into an {@link InetSocketAddress}, reusing the object
 * made the last time the same address and port were seen in the same slot, so a steady flow of datagrams from a
 * set of senders allocates nothing. A v4-mapped IPv6 sender comes out as IPv4, as Netty's own reads present it.
 * Direct-mapped: a colliding sender just replaces the entry. Used on one thread.
 */
final class SenderAddressCache {
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;

    private final int mask;
    private final long[] high;
    private final long[] low;
    private final long[] portAndScope;
    private final @Nullable InetSocketAddress[] addresses;

    /** @param slots a power of two */
    SenderAddressCache(int slots) {
        if (Integer.bitCount(slots) != 1) {
            throw new IllegalArgumentException("slots must be a power of two: " + slots);
        }
        this.mask = slots - 1;
        this.high = new long[slots];
        this.low = new long[slots];
        this.portAndScope = new long[slots];
        this.addresses = new InetSocketAddress[slots];
    }

    /**
     * The sender in the {@code length} bytes of socket address at {@code offset} of {@code memory} (native byte
     * order for the family, network order for port and address); null for a family other than IPv4/IPv6.
     */
    @Nullable InetSocketAddress sender(ByteBuffer memory, int offset, int length) {
        int family = memory.getShort(offset) & 0xFFFF;
        int port = (memory.get(offset + 2) & 0xFF) << 8 | memory.get(offset + 3) & 0xFF;
        long hi;
        long lo;
        long scope = 0;
        boolean v4;
        if (family == AF_INET && length >= 8) {
            hi = 0;
            lo = Integer.toUnsignedLong(bigEndianInt(memory, offset + 4));
            v4 = true;
        } else if (family == AF_INET6 && length >= 24) {
            hi = bigEndianLong(memory, offset + 8);
            lo = bigEndianLong(memory, offset + 16);
            v4 = hi == 0 && (lo >>> 32) == 0xFFFFL; // ::ffff:a.b.c.d
            if (v4) {
                hi = 0;
                lo &= 0xFFFF_FFFFL;
            } else if (length >= 28) {
                scope = Integer.toUnsignedLong(memory.getInt(offset + 24));
            }
        } else {
            return null;
        }
        long key = (scope << 17) | ((long) port << 1) | (v4 ? 1 : 0);
        int slot = index(hi, lo, key);
        InetSocketAddress cached = addresses[slot];
        if (cached != null && high[slot] == hi && low[slot] == lo && portAndScope[slot] == key) {
            return cached;
        }
        InetSocketAddress made = new InetSocketAddress(address(hi, lo, v4, (int) scope), port);
        high[slot] = hi;
        low[slot] = lo;
        portAndScope[slot] = key;
        addresses[slot] = made;
        return made;
    }

    private int index(long hi, long lo, long key) {
        long h = hi * 0x9E3779B97F4A7C15L ^ lo * 0xC2B2AE3D27D4EB4FL ^ key * 0x165667B19E3779F9L;
        return (int) (h ^ (h >>> 29) ^ (h >>> 47)) & mask;
    }

    private static InetAddress address(long hi, long lo, boolean v4, int scope) {
        try {
            if (v4) {
                int ip = (int) lo;
                return InetAddress.getByAddress(new byte[] {(byte) (ip >>> 24), (byte) (ip >>> 16), (byte) (ip >>> 8), (byte) ip});
            }
            byte[] bytes = new byte[16];
            for (int i = 0; i < 8; i++) {
                bytes[i] = (byte) (hi >>> (56 - 8 * i));
                bytes[8 + i] = (byte) (lo >>> (56 - 8 * i));
            }
            return scope != 0 ? Inet6Address.getByAddress(null, bytes, scope) : InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("a 4 or 16 byte address is always valid", e);
        }
    }

    private static int bigEndianInt(ByteBuffer memory, int offset) {
        int value = memory.getInt(offset);
        return memory.order() == ByteOrder.BIG_ENDIAN ? value : Integer.reverseBytes(value);
    }

    private static long bigEndianLong(ByteBuffer memory, int offset) {
        long value = memory.getLong(offset);
        return memory.order() == ByteOrder.BIG_ENDIAN ? value : Long.reverseBytes(value);
    }
}
