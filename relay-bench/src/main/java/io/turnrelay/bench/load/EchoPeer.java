package io.turnrelay.bench.load;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;

/** A UDP socket on loopback that sends every datagram back to where it came from, on its own thread. */
final class EchoPeer implements AutoCloseable {
    private final DatagramChannel channel;
    private final Thread thread;
    private volatile long echoed;

    EchoPeer(InetSocketAddress bind) throws IOException {
        channel = DatagramChannel.open();
        channel.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
        channel.setOption(StandardSocketOptions.SO_SNDBUF, 4 << 20);
        channel.bind(bind);
        thread = new Thread(this::run, "echo-peer");
        thread.setDaemon(true);
        thread.start();
    }

    InetSocketAddress address() throws IOException {
        return (InetSocketAddress) channel.getLocalAddress();
    }

    long echoed() {
        return echoed;
    }

    private void run() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(65536);
        long count = 0;
        try {
            while (true) {
                buffer.clear();
                SocketAddress from = channel.receive(buffer);
                buffer.flip();
                channel.send(buffer, from);
                echoed = ++count;
            }
        } catch (ClosedChannelException closed) {
            // close() ends the loop.
        } catch (IOException e) {
            System.err.println("echo peer stopped: " + e);
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
