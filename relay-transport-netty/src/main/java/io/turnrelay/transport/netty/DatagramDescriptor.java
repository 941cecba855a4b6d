package io.turnrelay.transport.netty;

import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.unix.Socket;
import io.turnrelay.core.stun.AddressFamily;
import java.io.IOException;
import java.net.InetSocketAddress;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A non-blocking UDP socket from Netty's native library, whichever of its native transports loaded it. */
final class DatagramDescriptor extends Socket {
    private static final Logger LOG = LoggerFactory.getLogger(DatagramDescriptor.class);

    private DatagramDescriptor(int fd) {
        super(fd);
    }

    /**
     * Opens a socket of {@code family} with {@code bufferBytes} kernel send and receive buffers, bound to
     * {@code local}; null when the address is in use or the family is unavailable.
     */
    static @Nullable Socket openBound(AddressFamily family, InetSocketAddress local, boolean reusePort, int bufferBytes) {
        Socket socket;
        try {
            socket = new DatagramDescriptor(newSocketDgram0(family == AddressFamily.IPV4 ? SocketProtocolFamily.INET : SocketProtocolFamily.INET6));
        } catch (RuntimeException e) {
            LOG.debug("Cannot open a {} socket: {}", family, e.toString());
            return null;
        }
        try {
            socket.setReceiveBufferSize(bufferBytes);
            socket.setSendBufferSize(bufferBytes);
            if (reusePort) {
                socket.setReusePort(true);
            }
            socket.bind(local);
            return socket;
        } catch (IOException | RuntimeException e) {
            LOG.debug("Cannot bind {}: {}", local, e.toString());
            try {
                socket.close();
            } catch (IOException closing) {
                e.addSuppressed(closing);
            }
            return null;
        }
    }
}
