package io.turnrelay.core.spi;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * What a {@link Transport} delivers to its driver. Called only on the transport's loop thread, one
 * call at a time, so the driver may touch its sans-IO server without locks.
 */
public interface DatagramSink {

    /**
     * A datagram of {@code length} bytes at absolute index {@code offset} of {@code buffer} arrived from
     * {@code sender} on the local socket bound to {@code localPort}. The buffer belongs to the transport
     * and is reused for the next datagram: nothing may keep it or change its position and limit, and
     * replies that carry part of it go out through the transport during this call.
     */
    void onDatagram(int localPort, ByteBuffer buffer, int offset, int length, InetSocketAddress sender, long nowNanos);

    /** The deadline the transport last asked for with {@link #nextDeadlineNanos()} has passed. */
    void onTimeout(long nowNanos);

    /** Asked before the loop waits: the monotonic time of the next timeout, or {@link Long#MAX_VALUE}. */
    long nextDeadlineNanos();
}
