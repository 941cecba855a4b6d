package io.turnrelay.cli.interop;

import io.turnrelay.api.ClientTransport;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.jspecify.annotations.Nullable;

/**
 * One client listener of a server under test (transport, address, port) and the check that it serves: a STUN
 * Binding request answered by a Binding success response with the same transaction ID, sent as a datagram (UDP),
 * over a fresh TCP connection (TCP), or over a fresh TLS connection whose handshake verified the server's
 * certificate against the test CA and the IP address (TLS). Written from RFC 8489 §5 alone, independent of the
 * relay's own STUN code.
 */
record ListenerProbe(ClientTransport transport, String host, int port, @Nullable SSLContext tls) {
    private static final int MAGIC_COOKIE = 0x2112A442;
    private static final int BINDING_REQUEST = 0x0001;
    private static final int BINDING_SUCCESS = 0x0101;
    private static final int ATTEMPT_TIMEOUT_MS = 2_000;
    private static final long RETRY_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    /**
     * Asks until the listener answers or {@code deadlineNanos} (a {@link System#nanoTime()} value) passes, or the
     * server exits; returns null once answered, else the last failure.
     */
    @Nullable String awaitAnswer(long deadlineNanos, BooleanSupplier serverAlive) {
        String last = "not tried";
        while (System.nanoTime() < deadlineNanos) {
            if (!serverAlive.getAsBoolean()) {
                return "the server exited";
            }
            try {
                answerOnce();
                return null;
            } catch (IOException e) {
                last = e.toString();
            }
            // Polling: a refused connection returns at once, so pause a little before the next attempt.
            LockSupport.parkNanos(RETRY_PAUSE_NANOS);
        }
        return last;
    }

    /** One Binding transaction; throws unless it got the matching success response. */
    void answerOnce() throws IOException {
        byte[] transactionId = new byte[12];
        ThreadLocalRandom.current().nextBytes(transactionId);
        byte[] request = ByteBuffer.allocate(20).putShort((short) BINDING_REQUEST).putShort((short) 0).putInt(MAGIC_COOKIE)
                .put(transactionId).array();
        InetSocketAddress target = new InetSocketAddress(InetAddress.getByName(host), port);
        byte[] header;
        if (transport == ClientTransport.UDP) {
            try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(target.getAddress(), 0))) {
                socket.setSoTimeout(ATTEMPT_TIMEOUT_MS);
                socket.send(new DatagramPacket(request, request.length, target));
                DatagramPacket response = new DatagramPacket(new byte[1500], 1500);
                socket.receive(response);
                if (response.getLength() < 20) {
                    throw new IOException("a " + response.getLength() + "-byte datagram is no STUN response");
                }
                header = Arrays.copyOf(response.getData(), 20);
            }
        } else {
            try (Socket socket = connect(target)) {
                socket.setSoTimeout(ATTEMPT_TIMEOUT_MS);
                OutputStream out = socket.getOutputStream();
                out.write(request);
                out.flush();
                DataInputStream in = new DataInputStream(socket.getInputStream());
                header = new byte[20];
                in.readFully(header);
                int length = ByteBuffer.wrap(header).getShort(2) & 0xFFFF;
                in.readFully(new byte[length]); // the whole response, as a stream client must read it
            }
        }
        ByteBuffer response = ByteBuffer.wrap(header);
        int type = response.getShort(0) & 0xFFFF;
        if (type != BINDING_SUCCESS || response.getInt(4) != MAGIC_COOKIE
                || !Arrays.equals(Arrays.copyOfRange(header, 8, 20), transactionId)) {
            throw new IOException(String.format("not a Binding success response to our request: type 0x%04x", type));
        }
    }

    private Socket connect(InetSocketAddress target) throws IOException {
        Socket plain = new Socket();
        try {
            plain.connect(target, ATTEMPT_TIMEOUT_MS);
            if (tls == null) {
                return plain;
            }
            plain.setSoTimeout(ATTEMPT_TIMEOUT_MS);
            SSLSocket secure = (SSLSocket) tls.getSocketFactory().createSocket(plain, host, port, true);
            SSLParameters parameters = secure.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name this IP address
            secure.setSSLParameters(parameters);
            secure.startHandshake();
            return secure;
        } catch (IOException | RuntimeException e) {
            plain.close();
            throw e;
        }
    }

    @Override
    public String toString() {
        return transport.label() + " listener " + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
