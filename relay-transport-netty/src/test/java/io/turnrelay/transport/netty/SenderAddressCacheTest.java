package io.turnrelay.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** Socket addresses as the kernel writes them (family in native order, port and address in network order). */
class SenderAddressCacheTest {
    private final SenderAddressCache cache = new SenderAddressCache(16);

    private static ByteBuffer sockaddrIn(String ip, int port) throws Exception {
        ByteBuffer memory = ByteBuffer.allocateDirect(32).order(ByteOrder.nativeOrder());
        memory.putShort(0, (short) 2).put(2, (byte) (port >>> 8)).put(3, (byte) port);
        memory.put(4, InetAddress.getByName(ip).getAddress());
        return memory;
    }

    private static ByteBuffer sockaddrIn6(byte[] address, int port, int scope) {
        ByteBuffer memory = ByteBuffer.allocateDirect(32).order(ByteOrder.nativeOrder());
        memory.putShort(0, (short) 10).put(2, (byte) (port >>> 8)).put(3, (byte) port);
        memory.put(8, address).putInt(24, scope);
        return memory;
    }

    @Test
    void readsAnIpv4Sender() throws Exception {
        assertThat(cache.sender(sockaddrIn("192.0.2.7", 50_000), 0, 16))
                .isEqualTo(new InetSocketAddress(InetAddress.getByName("192.0.2.7"), 50_000));
    }

    @Test
    void readsAnIpv6SenderWithItsScope() throws Exception {
        byte[] linkLocal = InetAddress.getByName("fe80::1").getAddress();
        InetSocketAddress sender = cache.sender(sockaddrIn6(linkLocal, 3478, 3), 0, 28);
        assertThat(sender).isNotNull();
        assertThat(sender.getPort()).isEqualTo(3478);
        assertThat(sender.getAddress()).isInstanceOf(Inet6Address.class);
        assertThat(sender.getAddress().getAddress()).isEqualTo(linkLocal);
        assertThat(((Inet6Address) sender.getAddress()).getScopeId()).isEqualTo(3);
    }

    @Test
    void presentsAV4MappedSenderAsIpv4() throws Exception {
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xFF;
        mapped[11] = (byte) 0xFF;
        System.arraycopy(InetAddress.getByName("127.0.0.1").getAddress(), 0, mapped, 12, 4);
        assertThat(cache.sender(sockaddrIn6(mapped, 4000, 0), 0, 28))
                .isEqualTo(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 4000));
    }

    @Test
    void givesTheSameObjectForTheSameSenderAndANewOneWhenThePortDiffers() throws Exception {
        InetSocketAddress first = cache.sender(sockaddrIn("127.0.0.1", 40_000), 0, 16);
        assertThat(cache.sender(sockaddrIn("127.0.0.1", 40_000), 0, 16)).isSameAs(first);
        InetSocketAddress other = cache.sender(sockaddrIn("127.0.0.1", 40_001), 0, 16);
        assertThat(other).isNotSameAs(first).isEqualTo(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 40_001));
    }

    @Test
    void manyMoreSendersThanSlotsAreAllReadCorrectly() throws Exception {
        for (int i = 0; i < 200; i++) {
            String ip = "10.0." + (i / 50) + "." + (i % 50 + 1);
            assertThat(cache.sender(sockaddrIn(ip, 1000 + i), 0, 16))
                    .isEqualTo(new InetSocketAddress(InetAddress.getByName(ip), 1000 + i));
        }
    }

    @Test
    void anUnknownFamilyOrShortAddressGivesNull() throws Exception {
        ByteBuffer unix = sockaddrIn("127.0.0.1", 1);
        unix.putShort(0, (short) 1);
        assertThat(cache.sender(unix, 0, 16)).isNull();
        assertThat(cache.sender(sockaddrIn6(new byte[16], 1, 0), 0, 12)).isNull();
    }

    @Test
    void theSlotCountMustBeAPowerOfTwo() {
        assertThatThrownBy(() -> new SenderAddressCache(12)).isInstanceOf(IllegalArgumentException.class);
    }
}
