package io.turnrelay.core.spi;

import io.turnrelay.core.stun.AddressFamily;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * A UDP IO loop for one relay shard: it owns a set of sockets (the listen socket(s) and one socket per
 * relay port and family), one dedicated thread, and one receive buffer. It reads each ready socket until
 * it would block (within a fairness budget), hands every datagram to its {@link DatagramSink}, wakes the
 * sink at deadlines, and drops (never queues) a datagram whose socket is not writable.
 *
 * <p>{@link #bindListen} and {@link #start} are called once, from any thread, before traffic flows.
 * {@link #bindRelay}, {@link #closeRelay} and {@link #send} are called only on the loop thread (from
 * inside the sink's callbacks). {@link #execute} and {@link #close} may be called from any thread.
 */
public interface Transport extends AutoCloseable {

    /** Largest datagram the transport reads; larger ones are truncated by the kernel and dropped. */
    int MAX_DATAGRAM = 65_535;

    /** Short name for logs and configuration, e.g. {@code "nio"}. */
    String name();

    /**
     * The name and, where a transport can run on more than one kind of I/O, the one it chose, e.g.
     * {@code "netty on io_uring"}: what an operator needs to see at startup.
     */
    default String description() {
        return name();
    }

    /**
     * Binds a listen socket. With {@code reusePort} the socket sets SO_REUSEPORT (where supported) so several
     * shards can share the port. IPv6 sockets are IPv6-only, so an IPv4 and an IPv6 socket can share a port.
     *
     * @throws IOException naming the address when it cannot be bound
     */
    void bindListen(InetSocketAddress address, boolean reusePort) throws IOException;

    /** Starts the loop thread, delivering to {@code sink}. */
    void start(DatagramSink sink);

    /**
     * Binds the relay socket for {@code port} and {@code family} on {@code bindAddress}; false when the port
     * cannot be bound (e.g. another process holds it).
     */
    boolean bindRelay(int port, AddressFamily family, InetAddress bindAddress);

    /** Closes the relay socket for {@code port} and {@code family}; nothing happens when none is open. */
    void closeRelay(int port, AddressFamily family);

    /**
     * Sends {@code length} bytes at absolute index {@code offset} of {@code buffer} from the socket bound to
     * {@code localPort} for the family of {@code destination}. Returns false, without blocking or queueing,
     * when the datagram was dropped (no such socket, socket not writable, or a send error).
     */
    boolean send(int localPort, ByteBuffer buffer, int offset, int length, InetSocketAddress destination);

    /**
     * Sends a ChannelData frame for {@code channelNumber} whose payload is {@code payloadLength} bytes at absolute
     * index {@code payloadOffset} of {@code buffer} (the buffer of the datagram being delivered), from the socket
     * bound to {@code localPort}. The payload is not copied in user space where the transport can avoid it:
     * the header goes into the headroom, or out as a separate piece of a gathering write. Returns false when dropped.
     */
    boolean sendChannelData(
            int localPort, int channelNumber, ByteBuffer buffer, int payloadOffset, int payloadLength, InetSocketAddress destination);

    /** Runs {@code task} on the loop thread soon (the loop is woken up); used for control from other threads. */
    void execute(Runnable task);

    /** Datagrams dropped because the socket was not writable or the send failed. Readable from any thread. */
    long sendDrops();

    /** Stops the loop thread, waits for it to finish (bounded), and closes every socket. Idempotent. */
    @Override
    void close();
}
