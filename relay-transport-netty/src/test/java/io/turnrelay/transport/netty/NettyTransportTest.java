package io.turnrelay.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.epoll.Epoll;
import io.turnrelay.core.spi.Transport;
import io.turnrelay.core.spi.TransportContractTest;
import org.junit.jupiter.api.Test;

/** The transport contract on Netty with native epoll (this module ships the Linux x86_64 and aarch64 natives). */
class NettyTransportTest extends TransportContractTest {

    @Override
    protected Transport newTransport() {
        return new NettyTransport("test", true);
    }

    @Test
    void usesNativeEpollOnLinux() {
        if (System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
            assertThat(((NettyTransport) transport).isNative()).as("epoll: %s", Epoll.unavailabilityCause()).isTrue();
        }
    }
}
