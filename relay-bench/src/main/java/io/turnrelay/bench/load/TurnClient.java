package io.turnrelay.bench.load;

import io.turnrelay.api.LongTermCredential;
import io.turnrelay.api.PasswordAlgorithm;
import io.turnrelay.core.stun.ErrorCode;
import io.turnrelay.core.stun.StunClass;
import io.turnrelay.core.stun.StunDecodeException;
import io.turnrelay.core.stun.StunMessage;
import io.turnrelay.core.stun.StunMessageWriter;
import io.turnrelay.core.stun.StunMethod;
import io.turnrelay.core.stun.TransactionId;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * The client side of one allocation: Allocate with long-term credentials, ChannelBind, and Refresh(0).
 *
 * <p>Uses the channel in blocking mode with a receive timeout; the data phase later switches it to
 * non-blocking. Over UDP requests are retransmitted after 200 ms, the wait doubling, for at most 6 sends;
 * over TCP and TLS a request is sent once and its response awaited for 10 s.
 */
final class TurnClient {
    private static final int UDP = 17;
    private static final int MAX_SENDS = 6;

    /** Over streams a request is sent once (RFC 8489 §6.2.2) and its response awaited this long. */
    private static final int STREAM_TIMEOUT_MS = 10_000;

    private @Nullable DatagramChannel channel;
    private @Nullable StreamConnection stream;
    private final String username;
    private final String password;
    private final ByteBuffer out = ByteBuffer.allocate(1500);
    private final ByteBuffer in = ByteBuffer.allocate(1500);
    private @Nullable String realm;
    private @Nullable String nonce;
    private byte @Nullable [] key;
    private @Nullable InetSocketAddress relayed;

    TurnClient(DatagramChannel connectedChannel, String username, String password) {
        this.channel = connectedChannel;
        this.username = username;
        this.password = password;
    }

    /** A client on a TCP or TLS connection (connected, handshake done). */
    TurnClient(StreamConnection connection, String username, String password) {
        this.stream = connection;
        this.username = username;
        this.password = password;
    }

    /** The UDP socket; only for a UDP client. */
    DatagramChannel channel() {
        DatagramChannel udp = channel;
        if (udp == null) {
            throw new IllegalStateException("not a UDP client");
        }
        return udp;
    }

    /** The TCP or TLS connection; only for a stream client. */
    StreamConnection stream() {
        StreamConnection connection = stream;
        if (connection == null) {
            throw new IllegalStateException("not a TCP or TLS client");
        }
        return connection;
    }

    boolean isStream() {
        return stream != null;
    }

    /** Moves to another local port, for a retry after 437 (the relay still holds the old 5-tuple). */
    void replaceChannel(DatagramChannel connectedChannel) throws IOException {
        channel().close();
        channel = connectedChannel;
    }

    /** Moves to a new connection, for a retry after 437. */
    void replaceStream(StreamConnection connection) {
        stream().close();
        stream = connection;
    }

    /** Closes the socket or connection. */
    void close() throws IOException {
        if (stream != null) {
            stream.close();
        } else {
            channel().close();
        }
    }

    @Nullable InetSocketAddress relayedAddress() {
        return relayed;
    }

    /** Allocates a UDP relay, answering the 401 challenge and any 438 with fresh credentials. */
    void allocate() throws IOException {
        StunMessage response = transact(StunMethod.ALLOCATE, false, w -> w.requestedTransport(UDP));
        for (int attempt = 0; response.messageClass() == StunClass.ERROR_RESPONSE && attempt < 4; attempt++) {
            int code = errorCode(response);
            if (code != 401 && code != 438) {
                throw new IOException("Allocate: error " + code + " " + reason(response));
            }
            takeChallenge(response);
            response = transact(StunMethod.ALLOCATE, true, w -> w.requestedTransport(UDP));
        }
        if (response.messageClass() != StunClass.SUCCESS_RESPONSE || response.xorRelayedAddresses().isEmpty()) {
            if (errorCode(response) == 437) {
                throw new AllocationMismatchException();
            }
            throw new IOException("Allocate: error " + errorCode(response) + " " + reason(response));
        }
        relayed = response.xorRelayedAddresses().get(0);
    }

    /** Binds {@code channelNumber} to {@code peer}, which also installs the permission. */
    void bindChannel(int channelNumber, InetSocketAddress peer) throws IOException {
        signedRequest(StunMethod.CHANNEL_BIND, w -> w.channelNumber(channelNumber).xorPeerAddress(peer));
    }

    /** Releases the allocation; best effort, so a lost response is not an error. */
    void release() {
        try {
            signedRequest(StunMethod.REFRESH, w -> w.lifetime(0));
        } catch (IOException ignored) {
            // The relay expires it anyway.
        }
    }

    private void signedRequest(int method, Attributes attributes) throws IOException {
        StunMessage response = transact(method, true, attributes);
        if (response.messageClass() == StunClass.ERROR_RESPONSE && errorCode(response) == 438) {
            takeChallenge(response);
            response = transact(method, true, attributes);
        }
        if (response.messageClass() != StunClass.SUCCESS_RESPONSE) {
            throw new IOException(StunMethod.name(method) + ": error " + errorCode(response) + " " + reason(response));
        }
    }

    private void takeChallenge(StunMessage response) throws IOException {
        String newRealm = response.realm();
        String newNonce = response.nonce();
        if (newRealm == null || newNonce == null) {
            throw new IOException("error " + errorCode(response) + " without REALM and NONCE");
        }
        if (!newRealm.equals(realm)) {
            key = LongTermCredential.ofPassword(password).key(PasswordAlgorithm.MD5, username, newRealm);
        }
        realm = newRealm;
        nonce = newNonce;
    }

    private StunMessage transact(int method, boolean signed, Attributes attributes) throws IOException {
        byte[] id = new byte[TransactionId.LENGTH];
        ThreadLocalRandom.current().nextBytes(id);
        TransactionId transactionId = TransactionId.of(id);
        out.clear();
        StunMessageWriter writer = StunMessageWriter.start(out, StunClass.REQUEST, method, transactionId);
        attributes.write(writer);
        if (signed) {
            writer.username(username).realm(requireNonNull(realm)).nonce(requireNonNull(nonce));
            writer.messageIntegrity(requireNonNull(key)).finishWithFingerprint();
        } else {
            writer.finishWithFingerprint();
        }
        out.flip();
        StreamConnection connection = stream;
        if (connection != null) {
            return transactOnStream(connection, method, transactionId);
        }
        DatagramChannel channel = channel();
        int timeoutMillis = 200;
        for (int send = 0; send < MAX_SENDS; send++, timeoutMillis *= 2) {
            channel.write(out.duplicate());
            long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
            while (true) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0) {
                    break;
                }
                channel.socket().setSoTimeout((int) left);
                in.clear();
                try {
                    channel.read(in);
                } catch (SocketTimeoutException timeout) {
                    break;
                }
                in.flip();
                StunMessage response = parseOrNull(in);
                if (response != null && response.transactionId().equals(transactionId) && response.method() == method
                        && response.messageClass() != StunClass.REQUEST) {
                    return response;
                }
            }
        }
        throw new IOException(StunMethod.name(method) + ": timeout");
    }

    private StunMessage transactOnStream(StreamConnection connection, int method, TransactionId transactionId) throws IOException {
        connection.writeBlocking(out.duplicate());
        long deadline = System.nanoTime() + STREAM_TIMEOUT_MS * 1_000_000L;
        while (true) {
            long left = (deadline - System.nanoTime()) / 1_000_000L;
            byte[] frame = left > 0 ? connection.readFrameBlocking((int) left) : null;
            if (frame == null) {
                throw new IOException(StunMethod.name(method) + ": timeout");
            }
            StunMessage response = parseOrNull(ByteBuffer.wrap(frame));
            if (response != null && response.transactionId().equals(transactionId) && response.method() == method
                    && response.messageClass() != StunClass.REQUEST) {
                return response;
            }
        }
    }

    private static @Nullable StunMessage parseOrNull(ByteBuffer datagram) {
        try {
            // parse keeps a view of the buffer, so it gets its own copy.
            byte[] copy = new byte[datagram.remaining()];
            datagram.get(copy);
            return StunMessage.parse(copy, 0, copy.length);
        } catch (StunDecodeException e) {
            return null;
        }
    }

    private static int errorCode(StunMessage response) {
        ErrorCode error = response.errorCode();
        return error == null ? 0 : error.code();
    }

    private static String reason(StunMessage response) {
        ErrorCode error = response.errorCode();
        return error == null ? "" : error.reason();
    }

    private static <T> T requireNonNull(@Nullable T value) {
        if (value == null) {
            throw new IllegalStateException("no challenge received yet");
        }
        return value;
    }

    /** A 437: the relay still has an allocation on this 5-tuple, typically one being deleted. */
    static final class AllocationMismatchException extends IOException {
        private static final long serialVersionUID = 1L;

        AllocationMismatchException() {
            super("Allocate: error 437 Allocation Mismatch");
        }
    }

    /** The method-specific attributes of a request. */
    @FunctionalInterface
    interface Attributes {
        void write(StunMessageWriter writer);
    }
}
