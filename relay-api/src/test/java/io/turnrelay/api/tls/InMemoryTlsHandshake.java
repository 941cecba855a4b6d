package io.turnrelay.api.tls;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Two {@link SSLEngine}s wired to each other in memory: no sockets, no threads, delegated tasks run inline.
 * {@link #connect} runs the handshake; afterwards {@link #clientToServer} and {@link #serverToClient} carry
 * application data over the established session. Failures are the engines' own {@link SSLException}s. Not
 * thread-safe; independent of JUnit, for tests of any module.
 */
public final class InMemoryTlsHandshake {
    /** A TLS 1.3 or 1.2 handshake with tickets takes a dozen; this only stops a driver bug from spinning. */
    private static final int MAX_ROUNDS = 1_000;

    private final Side client;
    private final Side server;

    private InMemoryTlsHandshake(SSLEngine client, SSLEngine server) {
        this.client = new Side(client);
        this.server = new Side(server);
    }

    /**
     * Handshakes {@code client} (in client mode) with {@code server} (in server mode), both configured by the
     * caller, and returns once neither has anything left to do.
     *
     * @throws SSLHandshakeException when an engine refuses the handshake, or it stalls before finishing
     */
    public static InMemoryTlsHandshake connect(SSLEngine client, SSLEngine server) throws SSLException {
        if (!client.getUseClientMode() || server.getUseClientMode()) {
            throw new IllegalArgumentException("Need a client-mode engine and a server-mode engine");
        }
        InMemoryTlsHandshake pair = new InMemoryTlsHandshake(client, server);
        client.beginHandshake();
        server.beginHandshake();
        pair.pump();
        if (client.getHandshakeStatus() != HandshakeStatus.NOT_HANDSHAKING
                || server.getHandshakeStatus() != HandshakeStatus.NOT_HANDSHAKING) {
            throw new SSLHandshakeException("The handshake stalled: client " + client.getHandshakeStatus()
                    + ", server " + server.getHandshakeStatus());
        }
        return pair;
    }

    public SSLEngine client() { return client.engine; }

    public SSLEngine server() { return server.engine; }

    /** The certificate the client received from the server (the leaf). */
    public X509Certificate serverCertificate() throws SSLPeerUnverifiedException {
        Certificate[] chain = client.engine.getSession().getPeerCertificates();
        return (X509Certificate) chain[0];
    }

    /** Sends {@code data} from the client and returns what the server read. */
    public byte[] clientToServer(byte[] data) throws SSLException {
        return send(client, server, data);
    }

    /** Sends {@code data} from the server and returns what the client read. */
    public byte[] serverToClient(byte[] data) throws SSLException {
        return send(server, client, data);
    }

    private byte[] send(Side from, Side to, byte[] data) throws SSLException {
        from.outgoing = ByteBuffer.wrap(data);
        pump();
        if (from.outgoing.hasRemaining()) {
            throw new SSLException(from.outgoing.remaining() + " bytes could not be sent");
        }
        byte[] received = to.received.toByteArray();
        to.received.reset();
        return received;
    }

    /** Moves records both ways until neither engine makes progress. */
    private void pump() throws SSLException {
        for (int round = 0; round < MAX_ROUNDS; round++) {
            boolean progress = step(client, server);
            progress |= step(server, client);
            if (!progress) {
                return;
            }
        }
        throw new IllegalStateException("No end after " + MAX_ROUNDS + " rounds: client " + client.engine.getHandshakeStatus()
                + ", server " + server.engine.getHandshakeStatus());
    }

    private static boolean step(Side side, Side peer) throws SSLException {
        boolean progress = runTasks(side);
        progress |= wrap(side, peer);
        progress |= unwrap(side);
        return progress;
    }

    private static boolean runTasks(Side side) {
        boolean ran = false;
        Runnable task;
        while ((task = side.engine.getDelegatedTask()) != null) {
            task.run();
            ran = true;
        }
        return ran;
    }

    private static boolean wrap(Side side, Side peer) throws SSLException {
        if (!side.outgoing.hasRemaining() && side.engine.getHandshakeStatus() != HandshakeStatus.NEED_WRAP) {
            return false;
        }
        side.net.clear();
        SSLEngineResult result = side.engine.wrap(side.outgoing, side.net);
        if (result.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
            side.net = ByteBuffer.allocate(side.net.capacity() * 2);
            return true;
        }
        side.net.flip();
        peer.incoming = append(peer.incoming, side.net);
        return result.bytesProduced() > 0 || result.bytesConsumed() > 0 || result.getHandshakeStatus() == HandshakeStatus.NEED_TASK;
    }

    private static boolean unwrap(Side side) throws SSLException {
        if (side.incoming.position() == 0) {
            return false;
        }
        side.incoming.flip();
        side.application.clear();
        SSLEngineResult result;
        try {
            result = side.engine.unwrap(side.incoming, side.application);
        } finally {
            side.incoming.compact();
        }
        switch (result.getStatus()) {
            case BUFFER_OVERFLOW:
                side.application = ByteBuffer.allocate(side.application.capacity() * 2);
                return true;
            case BUFFER_UNDERFLOW:
                // Part of a record: the peer's next wrap brings the rest.
                return false;
            default:
                side.application.flip();
                side.received.write(side.application.array(), 0, side.application.limit());
                return result.bytesConsumed() > 0 || result.bytesProduced() > 0 || result.getHandshakeStatus() == HandshakeStatus.NEED_TASK;
        }
    }

    private static ByteBuffer append(ByteBuffer buffer, ByteBuffer more) {
        if (buffer.remaining() < more.remaining()) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(buffer.capacity() * 2, buffer.position() + more.remaining()));
            buffer.flip();
            bigger.put(buffer);
            buffer = bigger;
        }
        return buffer.put(more);
    }

    /** One engine and its buffers; {@code incoming} is in write mode between calls. */
    private static final class Side {
        final SSLEngine engine;
        ByteBuffer outgoing = ByteBuffer.allocate(0);
        ByteBuffer net;
        ByteBuffer incoming;
        ByteBuffer application;
        final ByteArrayOutputStream received = new ByteArrayOutputStream();

        Side(SSLEngine engine) {
            this.engine = engine;
            this.net = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
            this.incoming = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
            this.application = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
        }
    }
}
