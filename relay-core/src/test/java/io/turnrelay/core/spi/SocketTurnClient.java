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
import io.turnrelay.api.ClientTransport;
import io.turnrelay.core.stun.StreamFraming;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
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
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.jspecify.annotations.Nullable;

/**
 * The blocking TURN test client, over a real UDP socket, TCP connection or TLS connection, for the conformance
 * suites of every module. Written from RFC 8489/8656, not from the server: it derives the MD5 long-term key itself,
 * answers 401/438 by retrying with the REALM and NONCE it was given, retransmits on timeout over UDP (never over
 * streams, RFC 8489 §6.2.2), frames and pads ChannelData on streams (RFC 8656 §12.5) and reads frames off them by
 * their own lengths, and keeps data that arrives while it waits for a response for {@link #receiveData}.
 */
public final class SocketTurnClient implements AutoCloseable {
    private static final int RESPONSE_TIMEOUT_MS = 500;
    private static final int ATTEMPTS = 6;
    private static final int STREAM_RESPONSE_TIMEOUT_MS = 5_000;

    private final Wire wire;
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

    /** A UDP client on an ephemeral port of {@code localAddress}. */
    public SocketTurnClient(InetAddress localAddress, InetSocketAddress server, String username, String password) throws IOException {
        this(new DatagramWire(localAddress, server), server, username, password);
    }

    private SocketTurnClient(Wire wire, InetSocketAddress server, String username, String password) {
        this.wire = wire;
        this.server = server;
        this.username = username;
        this.password = password;
    }

    /** A UDP client on an ephemeral port of {@code localAddress}. */
    public static SocketTurnClient udp(InetAddress localAddress, InetSocketAddress server, String username, String password)
            throws IOException {
        return new SocketTurnClient(localAddress, server, username, password);
    }

    /** A client on a TCP connection from an ephemeral port of {@code localAddress}. */
    public static SocketTurnClient tcp(InetAddress localAddress, InetSocketAddress server, String username, String password)
            throws IOException {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(localAddress, 0));
        socket.connect(server, 5_000);
        socket.setTcpNoDelay(true);
        return new SocketTurnClient(new StreamWire(socket, socket), server, username, password);
    }

    /** A client on a TLS connection (a finished handshake) with {@code tls}'s trust. */
    public static SocketTurnClient tls(InetAddress localAddress, InetSocketAddress server, String username, String password,
            SSLContext tls) throws IOException {
        Socket plain = new Socket();
        plain.bind(new InetSocketAddress(localAddress, 0));
        plain.connect(server, 5_000);
        plain.setTcpNoDelay(true);
        SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket(plain, server.getHostString(), server.getPort(), true);
        socket.setUseClientMode(true);
        socket.setSoTimeout(5_000);
        socket.startHandshake();
        return new SocketTurnClient(new StreamWire(socket, plain), server, username, password);
    }

    /** A client of {@code transport} ({@code tls} is needed for TLS only). */
    public static SocketTurnClient of(ClientTransport transport, InetAddress localAddress, InetSocketAddress server, String username,
            String password, @Nullable SSLContext tls) throws IOException {
        return switch (transport) {
            case UDP -> udp(localAddress, server, username, password);
            case TCP -> tcp(localAddress, server, username, password);
            case TLS -> {
                if (tls == null) {
                    throw new IllegalArgumentException("a TLS client needs an SSLContext");
                }
                yield tls(localAddress, server, username, password, tls);
            }
        };
    }

    public InetSocketAddress localAddress() {
        return wire.local();
    }

    /** Whether the client is on a TCP or TLS connection. */
    public boolean isStream() {
        return wire instanceof StreamWire;
    }

    /** Whether the server closed the connection (a stream that read its end); false over UDP. */
    public boolean isClosedByServer() {
        return wire instanceof StreamWire stream && stream.ended;
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

    /** ChannelData on {@code channel}; padded to a multiple of 4 on streams, as RFC 8656 §12.5 requires there. */
    public void sendChannelData(int channel, byte[] payload) throws IOException {
        int length = isStream() ? StreamFraming.paddedChannelDataLength(payload.length) : ChannelData.HEADER_LENGTH + payload.length;
        ByteBuffer frame = ByteBuffer.allocate(length);
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

    /** Sends raw bytes to the server: one datagram, or bytes on the stream as they are. */
    /**
     * Writes {@code bytes} onto the TCP connection as they are, beneath TLS on a TLS client: e.g. the start of a TLS
     * record that never completes.
     */
    public void sendBeneathTls(byte[] bytes) throws IOException {
        if (!(wire instanceof StreamWire stream)) {
            throw new IllegalStateException("not a stream client");
        }
        OutputStream raw = stream.tcp.getOutputStream();
        raw.write(bytes);
        raw.flush();
    }

    public void send(byte[] bytes, int length) throws IOException {
        wire.send(bytes, length);
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
        wire.close();
    }

    private StunMessage exchange(int method, boolean signed, Consumer<StunMessageWriter> attributes) throws IOException {
        TransactionId id = newTransactionId();
        byte[] request = encode(method, id, signed, attributes);
        boolean stream = isStream();
        for (int attempt = 0; attempt < (stream ? 1 : ATTEMPTS); attempt++) {
            send(request, request.length);
            long deadline = System.nanoTime() + (stream ? STREAM_RESPONSE_TIMEOUT_MS : RESPONSE_TIMEOUT_MS) * 1_000_000L;
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
        if (isClosedByServer()) {
            throw new IOException("the server closed the connection instead of answering " + StunMethod.name(method));
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
        return wire.receive(Math.max(1, timeoutMillis));
    }

    /** One datagram, or one frame of a stream: the server's messages as they arrive. */
    private interface Wire {
        void send(byte[] bytes, int length) throws IOException;

        /** The next message, or null after {@code timeoutMillis} (or at the end of a stream). */
        byte @Nullable [] receive(int timeoutMillis) throws IOException;

        InetSocketAddress local();

        void close();
    }

    private static final class DatagramWire implements Wire {
        private final DatagramSocket socket;
        private final InetSocketAddress server;

        DatagramWire(InetAddress localAddress, InetSocketAddress server) throws IOException {
            this.socket = new DatagramSocket(new InetSocketAddress(localAddress, 0));
            this.server = server;
        }

        @Override
        public void send(byte[] bytes, int length) throws IOException {
            socket.send(new DatagramPacket(bytes, length, server));
        }

        @Override
        public byte @Nullable [] receive(int timeoutMillis) throws IOException {
            socket.setSoTimeout(timeoutMillis);
            DatagramPacket packet = new DatagramPacket(new byte[65_536], 65_536);
            try {
                socket.receive(packet);
            } catch (SocketTimeoutException e) {
                return null;
            }
            return Arrays.copyOf(packet.getData(), packet.getLength());
        }

        @Override
        public InetSocketAddress local() {
            return (InetSocketAddress) socket.getLocalSocketAddress();
        }

        @Override
        public void close() {
            socket.close();
        }
    }

    /** A TCP or TLS connection, read frame by frame with {@link StreamFraming}. */
    private static final class StreamWire implements Wire {
        private final Socket socket;
        /** The TCP connection itself: the same socket for plain TCP, the one beneath TLS for TLS. */
        final Socket tcp;
        private final InputStream in;
        private final OutputStream out;
        private final ByteBuffer buffer = ByteBuffer.allocate(2 * StreamFraming.MAX_FRAME);
        volatile boolean ended;

        StreamWire(Socket socket, Socket tcp) throws IOException {
            this.socket = socket;
            this.tcp = tcp;
            this.in = socket.getInputStream();
            this.out = socket.getOutputStream();
        }

        @Override
        public synchronized void send(byte[] bytes, int length) throws IOException {
            out.write(bytes, 0, length);
            out.flush();
        }

        @Override
        public byte @Nullable [] receive(int timeoutMillis) throws IOException {
            long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
            while (true) {
                int length = StreamFraming.frameLength(buffer, 0, buffer.position());
                if (length == StreamFraming.INVALID) {
                    throw new IOException("the server sent bytes that are neither STUN nor ChannelData");
                }
                if (length > 0) {
                    byte[] frame = new byte[length];
                    buffer.get(0, frame);
                    buffer.limit(buffer.position()).position(length);
                    buffer.compact();
                    return frame;
                }
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0 || ended) {
                    return null;
                }
                socket.setSoTimeout((int) left);
                int read;
                try {
                    read = in.read(buffer.array(), buffer.position(), buffer.remaining());
                } catch (SocketTimeoutException e) {
                    return null;
                } catch (IOException e) {
                    ended = true;
                    return null;
                }
                if (read < 0) {
                    ended = true;
                    return null;
                }
                buffer.position(buffer.position() + read);
            }
        }

        @Override
        public InetSocketAddress local() {
            return (InetSocketAddress) socket.getLocalSocketAddress();
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // Closing anyway.
            }
        }
    }

    private TransactionId newTransactionId() {
        byte[] id = new byte[TransactionId.LENGTH];
        random.nextBytes(id);
        return TransactionId.of(id);
    }
}
