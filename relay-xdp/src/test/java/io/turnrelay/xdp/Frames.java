package io.turnrelay.xdp;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * Ethernet frames carrying UDP over IPv4 or IPv6, built from scratch with every checksum computed over the whole
 * datagram (not incrementally, as the program does), to be fed to the program and to compare its output with.
 */
final class Frames {
    static final int ETHERNET = 14;

    private Frames() {}

    /** The fields of one frame; {@link #build} makes its bytes. */
    record Udp(byte[] destinationMac, byte[] sourceMac, InetSocketAddress source, InetSocketAddress destination, byte[] payload,
            int ttl, int ipId, boolean dontFragment, boolean checksum) {

        Udp withTtl(int newTtl) {
            return new Udp(destinationMac, sourceMac, source, destination, payload, newTtl, ipId, dontFragment, checksum);
        }

        byte[] build() {
            return source.getAddress() instanceof Inet4Address ? ipv4() : ipv6();
        }

        private byte[] ipv4() {
            int udpLength = 8 + payload.length;
            ByteBuffer frame = ByteBuffer.allocate(ETHERNET + 20 + udpLength);
            frame.put(destinationMac).put(sourceMac).putShort((short) 0x0800);
            frame.put((byte) 0x45).put((byte) 0).putShort((short) (20 + udpLength)).putShort((short) ipId)
                    .putShort((short) (dontFragment ? 0x4000 : 0)).put((byte) ttl).put((byte) 17).putShort((short) 0)
                    .put(source.getAddress().getAddress()).put(destination.getAddress().getAddress());
            byte[] bytes = frame.array();
            putShort(bytes, ETHERNET + 10, Frames.checksum(bytes, ETHERNET, 20, 0));
            putUdp(bytes, ETHERNET + 20, udpLength);
            return bytes;
        }

        private byte[] ipv6() {
            int udpLength = 8 + payload.length;
            ByteBuffer frame = ByteBuffer.allocate(ETHERNET + 40 + udpLength);
            frame.put(destinationMac).put(sourceMac).putShort((short) 0x86DD);
            frame.putInt(0x6000_0000 | 0x12345).putShort((short) udpLength).put((byte) 17).put((byte) ttl)
                    .put(source.getAddress().getAddress()).put(destination.getAddress().getAddress());
            byte[] bytes = frame.array();
            putUdp(bytes, ETHERNET + 40, udpLength);
            return bytes;
        }

        private void putUdp(byte[] bytes, int at, int udpLength) {
            putShort(bytes, at, source.getPort());
            putShort(bytes, at + 2, destination.getPort());
            putShort(bytes, at + 4, udpLength);
            System.arraycopy(payload, 0, bytes, at + 8, payload.length);
            if (checksum) {
                putShort(bytes, at + 6, udpChecksum(bytes, at, udpLength));
            }
        }

        /** Over the pseudo-header, the UDP header (checksum 0) and the payload; 0 goes out as 0xFFFF. */
        private int udpChecksum(byte[] bytes, int at, int udpLength) {
            byte[] src = source.getAddress().getAddress();
            byte[] dst = destination.getAddress().getAddress();
            ByteBuffer pseudo = ByteBuffer.allocate(src.length * 2 + 8);
            pseudo.put(src).put(dst);
            if (src.length == 4) {
                pseudo.put((byte) 0).put((byte) 17).putShort((short) udpLength);
            } else {
                pseudo.putInt(udpLength).putInt(17);
            }
            long sum = sum(pseudo.array(), 0, pseudo.capacity()) + sum(bytes, at, udpLength);
            int result = fold(sum) ^ 0xFFFF;
            return result == 0 ? 0xFFFF : result;
        }
    }

    static int checksum(byte[] bytes, int offset, int length, long initial) {
        return fold(initial + sum(bytes, offset, length)) ^ 0xFFFF;
    }

    private static long sum(byte[] bytes, int offset, int length) {
        long sum = 0;
        for (int i = 0; i < length; i += 2) {
            int high = bytes[offset + i] & 0xFF;
            int low = i + 1 < length ? bytes[offset + i + 1] & 0xFF : 0;
            sum += (high << 8) | low;
        }
        return sum;
    }

    private static int fold(long sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) sum;
    }

    static void putShort(byte[] bytes, int at, int value) {
        bytes[at] = (byte) (value >>> 8);
        bytes[at + 1] = (byte) value;
    }

    /** A ChannelData message: channel, length, payload, then {@code padding} zero bytes. */
    static byte[] channelData(int channel, byte[] payload, int padding) {
        return channelData(channel, payload.length, payload, padding);
    }

    /** A ChannelData message whose length field says {@code declaredLength}. */
    static byte[] channelData(int channel, int declaredLength, byte[] payload, int padding) {
        ByteBuffer message = ByteBuffer.allocate(4 + payload.length + padding);
        message.putShort((short) channel).putShort((short) declaredLength).put(payload);
        return message.array();
    }

    static byte[] payload(int length, int seed) {
        byte[] payload = new byte[length];
        for (int i = 0; i < length; i++) {
            payload[i] = (byte) (seed * 31 + i * 7);
        }
        return payload;
    }

    static InetSocketAddress address(String ip, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByName(ip), port);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static byte[] mac(int last) {
        return new byte[] {0x02, 0x00, 0x5e, 0x10, 0x00, (byte) last};
    }
}
