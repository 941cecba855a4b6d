package io.turnrelay.transport.netty;

import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.unix.Socket;

/** A non-blocking UDP socket from Netty's native library, whichever of its transports loaded it. */
final class DatagramDescriptor extends Socket {
    private DatagramDescriptor(int fd) {
        super(fd);
    }

    static Socket open(SocketProtocolFamily family) {
        return new DatagramDescriptor(newSocketDgram0(family));
    }
}
