package io.turnrelay.core.spi;

import io.turnrelay.api.ClientListener;
import io.turnrelay.api.ClientTransport;
import io.turnrelay.core.stun.AddressFamily;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * The IO loop of one relay shard: it owns the client listeners (UDP sockets, TCP listeners and their
 * connections), one UDP socket per relay port and family, one dedicated thread, and delivers what arrives to its
 * {@link RelaySink}. It reads each ready socket until it would block (within a fairness budget), wakes the sink at
 * deadlines, drops (never queues) a datagram whose socket is not writable, and gives each stream connection a
 * bounded send queue that drops relayed frames whole when full.
 *
 * <p>{@link #listen} and {@link #start} are called once per listener and once, from any thread, before traffic
 * flows. {@link #bindRelay}, {@link #closeRelay}, the sends and {@link #closeClient} are called only on the loop
 * thread (from inside the sink's callbacks). {@link #execute} and {@link #close} may be called from any thread.
 */
public interface Transport extends AutoCloseable {

    /** Short name for logs and configuration, e.g. {@code "nio"}. */
    String name();

    /**
     * The name and, where a transport can run on more than one kind of I/O, the one it chose, e.g.
     * {@code "netty on epoll"}: what an operator needs to see at startup.
     */
    default String description() {
        return name();
    }

    /**
     * Opens a client listener. IPv6 sockets bound to the wildcard are dual-stack where the host allows it, and a
     * wildcard IPv4 listener of the same transport and port then shares that socket.
     *
     * @throws IOException naming the address when it cannot be bound, or when the transport cannot serve the
     *     listener's transport
     */
    void listen(ClientListener listener, ListenOptions options) throws IOException;

    /** Starts the loop thread, delivering to {@code sink}. */
    void start(RelaySink sink);

    /**
     * Binds the relay socket for {@code port} and {@code family} on {@code bindAddress}; false when the port
     * cannot be bound (e.g. another process holds it).
     */
    boolean bindRelay(int port, AddressFamily family, InetAddress bindAddress);

    /** Closes the relay socket for {@code port} and {@code family}; nothing happens when none is open. */
    void closeRelay(int port, AddressFamily family);

    /**
     * Sends {@code length} bytes at absolute index {@code offset} of {@code buffer} from the relay socket bound to
     * {@code relayPort} for the family of {@code peer}. Returns false, without blocking or queueing, when the
     * datagram was dropped (no such socket, socket not writable, or a send error).
     */
    boolean sendToPeer(int relayPort, ByteBuffer buffer, int offset, int length, InetSocketAddress peer);

    /**
     * Sends a STUN response (or another message the client's transaction waits for) to {@code client}. On a stream
     * it is queued when the socket cannot take it at once; when the queue cannot take it either the connection is
     * closed ({@link CloseReason#SEND_QUEUE_FULL}) rather than the message dropped. Returns false when it was not
     * sent or queued.
     */
    boolean sendToClient(ClientLink client, ByteBuffer buffer, int offset, int length);

    /**
     * Sends relayed data that is already a whole STUN message (a Data indication) to {@code client}: like
     * {@link #sendChannelData}, dropped whole (false) when the datagram socket or the stream's queue is full.
     */
    boolean relayToClient(ClientLink client, ByteBuffer buffer, int offset, int length);

    /**
     * Sends a ChannelData frame for {@code channelNumber} whose payload is {@code payloadLength} bytes at absolute
     * index {@code payloadOffset} of {@code buffer} (the buffer of the datagram being delivered) to {@code client}.
     * The payload is not copied in user space where the transport can avoid it: the header goes into the headroom,
     * or out as a separate piece of a gathering write. On streams the frame is padded to a multiple of 4 (RFC 8656
     * §12.5); over UDP it is not. Returns false when dropped.
     */
    boolean sendChannelData(ClientLink client, int channelNumber, ByteBuffer buffer, int payloadOffset, int payloadLength);

    /**
     * Closes a stream client's connection (queued bytes are flushed where the socket takes them at once) and reports
     * it to the sink with {@code reason}, possibly before this call returns; nothing happens for UDP links or
     * connections already closed.
     */
    void closeClient(ClientLink client, CloseReason reason);

    /** Runs {@code task} on the loop thread soon (the loop is woken up); used for control from other threads. */
    void execute(Runnable task);

    /**
     * Datagrams and stream frames dropped because a socket or a send queue was full or the send failed. Readable
     * from any thread.
     */
    long sendDrops();

    /** The relayed frames among {@link #sendDrops()} dropped at a full send queue of a {@code transport} connection; 0 for UDP. */
    long queueDrops(ClientTransport transport);

    /** Stops the loop thread, waits for it to finish (bounded), and closes every socket and connection. Idempotent. */
    @Override
    void close();
}
