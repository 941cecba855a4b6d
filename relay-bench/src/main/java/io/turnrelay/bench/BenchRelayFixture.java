package io.turnrelay.bench;

import io.turnrelay.api.PasswordAlgorithm;
import io.turnrelay.api.StaticUsersAuthenticator;
import io.turnrelay.core.stun.ErrorCode;
import io.turnrelay.core.stun.StunClass;
import io.turnrelay.core.stun.StunDecodeException;
import io.turnrelay.core.stun.StunMessage;
import io.turnrelay.core.stun.StunMessageWriter;
import io.turnrelay.core.stun.StunMethod;
import io.turnrelay.core.stun.TransactionId;
import io.turnrelay.api.ClientTransport;
import io.turnrelay.core.spi.ClientLink;
import io.turnrelay.core.turn.Forwarding;
import io.turnrelay.core.turn.RelayAction;
import io.turnrelay.core.turn.TurnCommand;
import io.turnrelay.core.turn.TurnServer;
import io.turnrelay.core.turn.TurnServerConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A {@link TurnServer} filled with real state for the data-plane benchmarks: every allocation and channel
 * is created by authenticated Allocate and ChannelBind requests through {@code handleClientDatagram}
 * (401 challenge first, relay sockets acknowledged), exactly as a client and a driver would. Then it lays
 * out one ChannelData frame per channel and one peer datagram per channel (with 4 bytes of headroom) in
 * two large buffers, with separate but equal address objects, as a transport would hand them over.
 *
 * <p>One server owns one port range, at most 1024-65535 = 64,512 relay ports, so it cannot hold 100,000
 * allocations: above that, the channels are spread over every port (two channels on some allocations).
 */
final class BenchRelayFixture {
    static final int LOWEST_PORT = 1024;
    static final int HIGHEST_PORT = 65_535;
    static final int MAX_ALLOCATIONS = HIGHEST_PORT - LOWEST_PORT + 1;
    static final int PAYLOAD_LENGTH = 100;
    static final int CLIENT_FRAME_LENGTH = 4 + PAYLOAD_LENGTH;
    /** Each peer datagram sits after 4 bytes of headroom for the ChannelData header. */
    static final int PEER_SLOT_LENGTH = 4 + PAYLOAD_LENGTH;
    private static final String USER = "bench";
    private static final String PASSWORD = "bench-password";
    private static final String REALM = "bench";
    private static final long UNIX_SECONDS = 1_800_000_000L;

    final TurnServer server;
    final long now;
    final int allocations;
    final int channels;
    final ByteBuffer clientFrames;
    final ClientLink[] clientOfChannel;
    final ByteBuffer peerDatagrams;
    final InetSocketAddress[] peerOfChannel;
    final int[] relayPortOfChannel;

    private final ByteBuffer out = ByteBuffer.allocate(1500);
    /** Setup only: the NONCE each client got in its 401, reused for its ChannelBinds. */
    private final Map<InetSocketAddress, String> nonces = new HashMap<>();
    private int transactions;

    /** {@code flows} channels over {@code min(flows, 64,512)} allocations, without bandwidth limits. */
    BenchRelayFixture(int flows) {
        this(flows, 0, 0);
    }

    /** The same under the bandwidth limits {@code maxBps} per allocation and {@code bpsCapacity} for the server (0: none). */
    BenchRelayFixture(int flows, long maxBps, long bpsCapacity) {
        this.now = 1_000_000_000_000L;
        this.channels = flows;
        this.allocations = Math.min(flows, MAX_ALLOCATIONS);
        TurnServerConfig config = TurnServerConfig.builder()
                .realm(REALM)
                .portRange(LOWEST_PORT, HIGHEST_PORT)
                .publicIpv4(address(new byte[] {(byte) 192, 0, 2, 1}))
                .authenticator(new StaticUsersAuthenticator(Map.of(USER, PASSWORD)))
                .unixClock(() -> UNIX_SECONDS)
                .maxAllocationsPerUser(MAX_ALLOCATIONS)
                .maxBps(maxBps)
                .bpsCapacity(bpsCapacity)
                .build();
        this.server = new TurnServer(config, new SplittableRandom(42));
        this.clientOfChannel = new ClientLink[flows];
        this.peerOfChannel = new InetSocketAddress[flows];
        this.relayPortOfChannel = new int[flows];
        this.clientFrames = ByteBuffer.allocate(flows * CLIENT_FRAME_LENGTH);
        this.peerDatagrams = ByteBuffer.allocate(flows * PEER_SLOT_LENGTH);

        int[] relayPortOfAllocation = new int[allocations];
        int[] channelsOfAllocation = new int[allocations];
        byte[] key = PasswordAlgorithm.MD5.deriveKey(USER, REALM, PASSWORD);
        for (int a = 0; a < allocations; a++) {
            relayPortOfAllocation[a] = allocate(client(a), key);
        }
        for (int c = 0; c < flows; c++) {
            int a = c % allocations;
            int channelNumber = 0x4000 + channelsOfAllocation[a]++;
            InetSocketAddress peer = peer(c);
            bindChannel(client(a), key, channelNumber, peer);
            // Fresh but equal objects: the hot path must find state by value, as it would for a real transport.
            clientOfChannel[c] = link(client(a));
            peerOfChannel[c] = peer(c);
            relayPortOfChannel[c] = relayPortOfAllocation[a];
            int frame = c * CLIENT_FRAME_LENGTH;
            clientFrames.putShort(frame, (short) channelNumber).putShort(frame + 2, (short) PAYLOAD_LENGTH);
            for (int i = 0; i < PAYLOAD_LENGTH; i++) {
                clientFrames.put(frame + 4 + i, (byte) (c + i));
                peerDatagrams.put(c * PEER_SLOT_LENGTH + 4 + i, (byte) (c - i));
            }
        }
        verifyEveryFlow();
    }

    int clientFrameOffset(int channel) {
        return channel * CLIENT_FRAME_LENGTH;
    }

    int peerDatagramOffset(int channel) {
        return channel * PEER_SLOT_LENGTH + 4;
    }

    /** The benchmarks must measure relaying, not drops: every flow is checked once before measuring. */
    private void verifyEveryFlow() {
        Forwarding forwarding = server.forwarding();
        for (int c = 0; c < channels; c++) {
            RelayAction toPeer = server.handleClientMessage(clientOfChannel[c], clientFrames, clientFrameOffset(c), CLIENT_FRAME_LENGTH, now);
            if (toPeer != RelayAction.FORWARD_TO_PEER || !forwarding.peer().equals(peerOfChannel[c])
                    || forwarding.relayPort() != relayPortOfChannel[c]) {
                throw new IllegalStateException("flow " + c + ": ChannelData gave " + toPeer + " to " + forwarding.peer());
            }
            RelayAction toClient = server.handlePeerDatagram(peerDatagrams, peerDatagramOffset(c), PAYLOAD_LENGTH,
                    peerOfChannel[c], relayPortOfChannel[c], now);
            if (toClient != RelayAction.FORWARD_TO_CLIENT || !forwarding.client().equals(clientOfChannel[c])) {
                throw new IllegalStateException("flow " + c + ": peer datagram gave " + toClient + " to " + forwarding.client());
            }
        }
    }

    private int allocate(InetSocketAddress client, byte[] key) {
        StunMessage challenge = request(client, StunMethod.ALLOCATE, null, null, key, w -> w.requestedTransport(17));
        expect(challenge, ErrorCode.UNAUTHENTICATED, client);
        StunMessage allocated = request(client, StunMethod.ALLOCATE, challenge.realm(), challenge.nonce(), key,
                w -> w.requestedTransport(17));
        expect(allocated, 0, client);
        nonces.put(client, challenge.nonce());
        return allocated.xorRelayedAddresses().get(0).getPort();
    }

    private void bindChannel(InetSocketAddress client, byte[] key, int channelNumber, InetSocketAddress peer) {
        StunMessage bound = request(client, StunMethod.CHANNEL_BIND, REALM, nonces.get(client), key,
                w -> w.channelNumber(channelNumber).xorPeerAddress(peer));
        expect(bound, 0, client);
    }

    private StunMessage request(InetSocketAddress client, int method, @Nullable String realm, @Nullable String nonce,
            byte[] key, Consumer<StunMessageWriter> attributes) {
        int id = ++transactions;
        byte[] transactionId = new byte[TransactionId.LENGTH];
        ByteBuffer.wrap(transactionId).putInt(8, id);
        out.clear();
        StunMessageWriter writer = StunMessageWriter.start(out, StunClass.REQUEST, method, TransactionId.of(transactionId));
        attributes.accept(writer);
        int length = realm == null || nonce == null
                ? writer.finish()
                : writer.username(USER).realm(realm).nonce(nonce).messageIntegrity(key).finish();
        server.handleClientMessage(link(client), out, 0, length, now);
        byte[] response = null;
        for (TurnCommand command = server.pollCommand(); command != null; command = server.pollCommand()) {
            if (command instanceof TurnCommand.BindRelaySocket bind) {
                server.handleRelaySocketBound(bind.port(), bind.family(), now);
            } else if (command instanceof TurnCommand.SendToClient send && send.client().remote().equals(client)) {
                response = send.message();
            }
        }
        if (response == null) {
            throw new IllegalStateException(StunMethod.name(method) + " from " + client + " got no response");
        }
        try {
            return StunMessage.parse(response, 0, response.length);
        } catch (StunDecodeException e) {
            throw new IllegalStateException("undecodable response: " + Arrays.toString(response), e);
        }
    }

    private static void expect(StunMessage response, int code, InetSocketAddress client) {
        int actual = response.messageClass() == StunClass.SUCCESS_RESPONSE ? 0
                : response.errorCode() == null ? -1 : response.errorCode().code();
        if (actual != code) {
            throw new IllegalStateException(StunMethod.name(response.method()) + " from " + client + " got " + actual
                    + " instead of " + code);
        }
    }

    /** The listener every benchmark client arrives on. */
    private static final InetSocketAddress LISTENER = new InetSocketAddress(address(new byte[] {10, 0, 0, 1}), 3478);

    /** A UDP client link on the listener, a new object each time as a transport would make after a cache reset. */
    static ClientLink link(InetSocketAddress client) {
        return new ClientLink(ClientTransport.UDP, LISTENER, client);
    }

    /** Allocation {@code a}'s client: 11.x.y.z with a port, a distinct 5-tuple per allocation. */
    private static InetSocketAddress client(int a) {
        return new InetSocketAddress(address(new byte[] {11, (byte) (a >>> 16), (byte) (a >>> 8), (byte) a}), 40_000 + a % 20_000);
    }

    /** Channel {@code c}'s peer: a distinct public address per flow. */
    private static InetSocketAddress peer(int c) {
        return new InetSocketAddress(address(new byte[] {20, (byte) (c >>> 16), (byte) (c >>> 8), (byte) c}), 3478 + c % 1000);
    }

    private static InetAddress address(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
