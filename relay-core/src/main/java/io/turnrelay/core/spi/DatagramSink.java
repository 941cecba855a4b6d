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
     * {@code sender} on the local socket bound to {@code localPort}. There are at least
     * {@link Transport#HEADROOM} writable bytes in front of {@code offset}, so the driver can prepend a
     * ChannelData header in place. The buffer is reused for the next datagram: nothing may keep it.
     */
    void onDatagram(int localPort, ByteBuffer buffer, int offset, int length, InetSocketAddress sender, long nowNanos);

    /** The deadline the transport last asked for with {@link #nextDeadlineNanos()} has passed. */
    void onTimeout(long nowNanos);

    /** Asked before the loop waits: the monotonic time of the next timeout, or {@link Long#MAX_VALUE}. */
    long nextDeadlineNanos();
}
