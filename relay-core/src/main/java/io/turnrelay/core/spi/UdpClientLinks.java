package io.turnrelay.core.spi;

import io.turnrelay.api.ClientTransport;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * The client links of one UDP listener socket, one per sender, so a transport hands the server the same link for
 * every datagram of a sender and relaying allocates nothing. Bounded: past {@link #MAX_LINKS} senders it starts
 * afresh, which is safe because links are equal by 5-tuple (a recreated link still finds its allocation), and
 * keeps a flood of spoofed senders from growing it. Used on one thread only.
 *
 * @param <L> the transport's link type
 */
public final class UdpClientLinks<L extends ClientLink> {
    /** More senders than one listener socket serves allocations for at once, far fewer than a flood brings. */
    public static final int MAX_LINKS = 1 << 17;

    private final InetSocketAddress local;
    private final BiFunction<InetSocketAddress, InetSocketAddress, L> factory;
    private final Map<InetSocketAddress, L> links = new HashMap<>();

    /** Links of the UDP listener bound to {@code local}, made by {@code factory(local, remote)}. */
    public UdpClientLinks(InetSocketAddress local, BiFunction<InetSocketAddress, InetSocketAddress, L> factory) {
        this.local = local;
        this.factory = factory;
    }

    /** Plain {@link ClientLink}s of the UDP listener bound to {@code local}. */
    public static UdpClientLinks<ClientLink> plain(InetSocketAddress local) {
        return new UdpClientLinks<>(local, (listener, remote) -> new ClientLink(ClientTransport.UDP, listener, remote));
    }

    /** The link of {@code sender}; allocates only for a sender not seen since the last reset. */
    public L linkFor(InetSocketAddress sender) {
        L link = links.get(sender);
        if (link == null) {
            if (links.size() >= MAX_LINKS) {
                links.clear();
            }
            link = factory.apply(local, sender);
            links.put(sender, link);
        }
        return link;
    }

    /** Senders with a link now. */
    public int size() {
        return links.size();
    }
}
