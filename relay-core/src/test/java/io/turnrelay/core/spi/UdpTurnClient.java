package io.turnrelay.core.spi;

import io.turnrelay.core.stun.AddressFamily;
import io.turnrelay.core.stun.ChannelData;
import io.turnrelay.core.stun.ErrorCode;
import io.turnrelay.core.stun.StunClass;
import io.turnrelay.core.stun.StunDecodeException;
import io.turnrelay.core.stun.StunMessage;
import io.turnrelay.core.stun.StunMessageWriter;
import io.turnrelay.core.stun.StunMethod;
import io.turnrelay.core.stun.TransactionId;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A blocking TURN client over a real UDP socket, for the conformance suite. Written from RFC 8489/8656,
 * not from the server: it derives the MD5 long-term key itself, answers 401/438 by retrying with the
 * REALM and NONCE it was given, retransmits on timeout, and keeps data that arrives while it waits for
 * a response for {@link #receiveData}.
 */
public final class UdpTurnClient implements AutoCloseable {
    private static final int RESPONSE_TIMEOUT_MS = 500;
    private static final int ATTEMPTS = 6;

    private final DatagramSocket socket;
    private final InetSocketAddress server;
    private final String username;
    private final String password;
    private final Random random = new Random();
    private final Deque<RelayedData> pendingData = new ArrayDeque<>();
    private @Nullable String realm;
    private @Nullable String nonce;
    private @Nullable StunMessage lastChallenge;

    /** Data that came back through the relay: from {@code peer} (Data indication) or on {@code channel} (ChannelData). */
    public record RelayedData(@Nullable InetSocketAddress peer, int channel, byte[] payload) {}

    public UdpTurnClient(InetAddress localAddress, InetSocketAddress server, String username, String password) throws IOException {
        this.socket = new DatagramSocket(new InetSocketAddress(localAddress, 0));
        this.server = server;
        this.username = username;
        this.password = password;
    }

    public InetSocketAddress localAddress() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    /** The 401 that preceded the first authenticated request, if there was one. */
    public @Nullable StunMessage lastChallenge() {
        return lastChallenge;
    }

    /** Binding: the reflexive address the server saw. */
    public InetSocketAddress binding() throws IOException {
        StunMessage response = exchange(StunMethod.BINDING, false, writer -> {});
        requireSuccess(response);
        return response.xorMappedAddress();
    }

    /** Allocate (UDP) with optional extra attributes; returns the whole response (success or error). */
    public StunMessage allocate(Consumer<StunMessageWriter> extra) throws IOException {
        return authenticated(StunMethod.ALLOCATE, writer -> {
            writer.requestedTransport(17);
            extra.accept(writer);
        });
    }

    /** Allocate with defaults; returns the relayed addresses. */
    public List<InetSocketAddress> allocate() throws IOException {
        StunMessage response = allocate(writer -> {});
        requireSuccess(response);
        return response.xorRelayedAddresses();
    }

    public StunMessage refresh(long lifetimeSeconds) throws IOException {
        return authenticated(StunMethod.REFRESH, writer -> writer.lifetime(lifetimeSeconds));
    }

    public StunMessage createPermission(InetSocketAddress peer) throws IOException {
        return authenticated(StunMethod.CREATE_PERMISSION, writer -> writer.xorPeerAddress(peer));
    }

    public StunMessage channelBind(int channel, InetSocketAddress peer) throws IOException {
        return authenticated(StunMethod.CHANNEL_BIND, writer -> writer.channelNumber(channel).xorPeerAddress(peer));
    }

    public void sendIndication(InetSocketAddress peer, byte[] payload) throws IOException {
        ByteBuffer out = ByteBuffer.allocate(payload.length + 100);
        int length = StunMessageWriter.start(out, StunClass.INDICATION, StunMethod.SEND, newTransactionId())
                .xorPeerAddress(peer)
                .data(payload, 0, payload.length)
                .finish();
        send(out.array(), length);
    }

    public void sendChannelData(int channel, byte[] payload) throws IOException {
        ByteBuffer frame = ByteBuffer.allocate(ChannelData.HEADER_LENGTH + payload.length);
        ChannelData.writeHeader(frame, 0, channel, payload.length);
        frame.put(ChannelData.HEADER_LENGTH, payload);
        send(frame.array(), frame.capacity());
    }

    /** The next relayed datagram (ChannelData or Data indication), or null after {@code timeoutMillis}. */
    public @Nullable RelayedData receiveData(int timeoutMillis) throws IOException {
        if (!pendingData.isEmpty()) {
            return pendingData.poll();
        }
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (true) {
            long left = (deadline - System.nanoTime()) / 1_000_000L;
            if (left <= 0) {
                return null;
            }
            byte[] datagram = receive((int) left);
            if (datagram == null) {
                return null;
            }
            RelayedData data = asRelayedData(datagram);
            if (data != null) {
                return data;
            }
        }
    }

    /** Sends a signed request, answering one 401/438 challenge; returns the final response. */
    public StunMessage authenticated(int method, Consumer<StunMessageWriter> attributes) throws IOException {
        StunMessage response = exchange(method, nonce != null, attributes);
        int code = errorCode(response);
        if (code == ErrorCode.UNAUTHENTICATED || code == ErrorCode.STALE_NONCE) {
            lastChallenge = response;
            realm = response.realm();
            nonce = response.nonce();
            if (realm == null || nonce == null) {
                return response;
            }
            response = exchange(method, true, attributes);
        }
        return response;
    }

    /** Sends raw bytes to the server. */
    public void send(byte[] bytes, int length) throws IOException {
        socket.send(new DatagramPacket(bytes, length, server));
    }

    public static int errorCode(StunMessage response) {
        ErrorCode error = response.errorCode();
        return error == null ? 0 : error.code();
    }

    public static void requireSuccess(StunMessage response) {
        if (response.messageClass() != StunClass.SUCCESS_RESPONSE) {
            throw new AssertionError("expected success, got " + response.errorCode());
        }
    }

    @Override
    public void close() {
        socket.close();
    }

    private StunMessage exchange(int method, boolean signed, Consumer<StunMessageWriter> attributes) throws IOException {
        TransactionId id = newTransactionId();
        byte[] request = encode(method, id, signed, attributes);
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            send(request, request.length);
            long deadline = System.nanoTime() + RESPONSE_TIMEOUT_MS * 1_000_000L;
            long left;
            while ((left = (deadline - System.nanoTime()) / 1_000_000L) > 0) {
                byte[] datagram = receive((int) left);
                if (datagram == null) {
                    break;
                }
                RelayedData data = asRelayedData(datagram);
                if (data != null) {
                    pendingData.add(data);
                    continue;
                }
                StunMessage message = parseOrNull(datagram);
                if (message != null && message.transactionId().equals(id) && message.method() == method) {
                    return message;
                }
            }
        }
        throw new SocketTimeoutException("no response to " + StunMethod.name(method) + " from " + server);
    }

    private byte[] encode(int method, TransactionId id, boolean signed, Consumer<StunMessageWriter> attributes) {
        ByteBuffer out = ByteBuffer.allocate(2048);
        StunMessageWriter writer = StunMessageWriter.start(out, StunClass.REQUEST, method, id);
        attributes.accept(writer);
        int length;
        if (signed && realm != null && nonce != null) {
            length = writer.username(username).realm(realm).nonce(nonce).messageIntegrity(longTermKey(realm)).finishWithFingerprint();
        } else {
            length = writer.finishWithFingerprint();
        }
        return Arrays.copyOf(out.array(), length);
    }

    private byte[] longTermKey(String realm) {
        try {
            return MessageDigest.getInstance("MD5").digest((username + ":" + realm + ":" + password).getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private @Nullable RelayedData asRelayedData(byte[] datagram) {
        if (datagram.length >= ChannelData.HEADER_LENGTH && (datagram[0] & 0xC0) == 0x40) {
            ByteBuffer buffer = ByteBuffer.wrap(datagram);
            int length = ChannelData.payloadLength(buffer, 0, datagram.length, true);
            if (length < 0) {
                return null;
            }
            return new RelayedData(null, ChannelData.channelNumber(buffer, 0),
                    Arrays.copyOfRange(datagram, ChannelData.HEADER_LENGTH, ChannelData.HEADER_LENGTH + length));
        }
        StunMessage message = parseOrNull(datagram);
        if (message != null && message.messageClass() == StunClass.INDICATION && message.method() == StunMethod.DATA && message.hasData()) {
            byte[] payload = Arrays.copyOfRange(datagram, message.dataOffset(), message.dataOffset() + message.dataLength());
            List<InetSocketAddress> peers = message.xorPeerAddresses();
            return new RelayedData(peers.isEmpty() ? null : peers.get(0), 0, payload);
        }
        return null;
    }

    private static @Nullable StunMessage parseOrNull(byte[] datagram) {
        try {
            return StunMessage.parse(datagram, 0, datagram.length);
        } catch (StunDecodeException e) {
            return null;
        }
    }

    private byte @Nullable [] receive(int timeoutMillis) throws IOException {
        socket.setSoTimeout(Math.max(1, timeoutMillis));
        DatagramPacket packet = new DatagramPacket(new byte[65_536], 65_536);
        try {
            socket.receive(packet);
        } catch (SocketTimeoutException e) {
            return null;
        }
        return Arrays.copyOf(packet.getData(), packet.getLength());
    }

    private TransactionId newTransactionId() {
        byte[] id = new byte[TransactionId.LENGTH];
        random.nextBytes(id);
        return TransactionId.of(id);
    }
}
