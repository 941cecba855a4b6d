package io.turnrelay.transport.nio.robustness;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnrelay.api.RelayConfig;
import io.turnrelay.core.relay.ShardedRelay;
import io.turnrelay.core.spi.LoopbackPorts;
import io.turnrelay.core.spi.LoopbackRelayConfig;
import io.turnrelay.transport.nio.NioTransportProvider;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.ice4j.Transport;
import org.ice4j.TransportAddress;
import org.ice4j.attribute.Attribute;
import org.ice4j.attribute.AttributeFactory;
import org.ice4j.attribute.ErrorCodeAttribute;
import org.ice4j.attribute.NonceAttribute;
import org.ice4j.attribute.RealmAttribute;
import org.ice4j.attribute.XorRelayedAddressAttribute;
import org.ice4j.message.ChannelData;
import org.ice4j.message.Message;
import org.ice4j.message.MessageFactory;
import org.ice4j.message.Request;
import org.ice4j.security.CredentialsAuthority;
import org.ice4j.stack.StunStack;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * ice4j as an independent TURN client against a running relay (ShardedRelay on NIO, loopback). ice4j's own TURN
 * client is bound up with its ICE agent and harvesters, so the requests are built with ice4j's
 * {@link MessageFactory} and {@link AttributeFactory}, signed by ice4j (MESSAGE-INTEGRITY computed through its
 * {@link StunStack} credentials manager with the long-term key), sent over a plain socket, and every response is
 * decoded by ice4j: Allocate (401 challenge, then long-term credentials), CreatePermission, ChannelBind, and
 * ChannelData both ways with ice4j's {@link ChannelData} codec.
 */
@Timeout(30)
class Ice4jClientInteropTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final String USER = "alice";
    private static final String PASSWORD = "wonderland";
    private static final String REALM = "turnrelay";
    private static final char CHANNEL = 0x4000;

    private final List<AutoCloseable> resources = new ArrayList<>();
    private final SplittableRandom ids = new SplittableRandom(99);
    private StunStack stack;

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable resource : resources) {
            resource.close();
        }
        if (stack != null) {
            stack.shutDown();
        }
    }

    @Test
    void ice4jAllocatesBindsAChannelAndRelaysChannelData() throws Exception {
        int listenPort = LoopbackPorts.freeUdpAndTcpPort();
        RelayConfig config = LoopbackRelayConfig.builder(listenPort, 10, Map.of(USER, PASSWORD)).realm(REALM).build();
        ShardedRelay relay = new ShardedRelay(config, new NioTransportProvider(), null);
        resources.add(relay);
        relay.start();
        InetSocketAddress server = new InetSocketAddress(LOOPBACK, listenPort);

        byte[] key = MessageDigest.getInstance("MD5").digest((USER + ":" + REALM + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
        stack = new StunStack();
        stack.getCredentialsManager().registerAuthority(new LongTermKey(key));

        DatagramSocket socket = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0));
        socket.setSoTimeout(3_000);
        resources.add(socket);
        DatagramSocket peer = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0));
        peer.setSoTimeout(3_000);
        resources.add(peer);
        TransportAddress peerAddress = new TransportAddress((InetSocketAddress) peer.getLocalSocketAddress(), Transport.UDP);

        // 1. Unauthenticated Allocate: 401 with REALM and NONCE.
        Message challenge = exchange(socket, server, MessageFactory.createAllocateRequest((byte) 17, false), null, null);
        assertThat((int) challenge.getMessageType()).isEqualTo((int) Message.ALLOCATE_ERROR_RESPONSE);
        assertThat((int) ((ErrorCodeAttribute) challenge.getAttribute(Attribute.ERROR_CODE)).getErrorCode()).isEqualTo(401);
        byte[] realm = ((RealmAttribute) challenge.getAttribute(Attribute.REALM)).getRealm();
        byte[] nonce = ((NonceAttribute) challenge.getAttribute(Attribute.NONCE)).getNonce();
        assertThat(new String(realm, StandardCharsets.UTF_8)).isEqualTo(REALM);

        // 2. Allocate with long-term credentials.
        Request allocate = MessageFactory.createAllocateRequest((byte) 17, false);
        Message allocated = exchange(socket, server, allocate, realm, nonce);
        assertThat((int) allocated.getMessageType()).as(describe(allocated)).isEqualTo((int) Message.ALLOCATE_RESPONSE);
        TransportAddress relayed = ((XorRelayedAddressAttribute) allocated.getAttribute(Attribute.XOR_RELAYED_ADDRESS))
                .getAddress(allocated.getTransactionID());
        assertThat(relayed.getPort()).isBetween(config.lowestPort(), config.highestPort());

        // 3. CreatePermission and 4. ChannelBind, both built by ice4j's factory.
        byte[] permissionId = newId();
        Message permitted = exchange(socket, server, MessageFactory.createCreatePermissionRequest(peerAddress, permissionId), realm, nonce, permissionId);
        assertThat((int) permitted.getMessageType()).as(describe(permitted)).isEqualTo((int) Message.CREATEPERMISSION_RESPONSE);
        byte[] bindId = newId();
        Message bound = exchange(socket, server, MessageFactory.createChannelBindRequest(CHANNEL, peerAddress, bindId), realm, nonce, bindId);
        assertThat((int) bound.getMessageType()).as(describe(bound)).isEqualTo((int) Message.CHANNELBIND_RESPONSE);

        // 5. ChannelData both ways, encoded and decoded by ice4j.
        byte[] buffer = new byte[2048];
        for (int i = 0; i < 50; i++) {
            ChannelData toPeer = new ChannelData();
            toPeer.setChannelNumber(CHANNEL);
            toPeer.setData(("ice4j ping " + i).getBytes(StandardCharsets.US_ASCII));
            byte[] frame = toPeer.encode();
            socket.send(new DatagramPacket(frame, frame.length, server));
            DatagramPacket atPeer = new DatagramPacket(buffer, buffer.length);
            peer.receive(atPeer);
            assertThat(Arrays.copyOf(atPeer.getData(), atPeer.getLength())).isEqualTo(toPeer.getData());
            assertThat(atPeer.getPort()).isEqualTo(relayed.getPort());

            byte[] pong = ("peer pong " + i).getBytes(StandardCharsets.US_ASCII);
            peer.send(new DatagramPacket(pong, pong.length, atPeer.getSocketAddress()));
            DatagramPacket atClient = new DatagramPacket(buffer, buffer.length);
            socket.receive(atClient);
            byte[] received = Arrays.copyOf(atClient.getData(), atClient.getLength());
            assertThat(ChannelData.isChannelDataMessage(received)).isTrue();
            ChannelData fromPeer = ChannelData.decode(received, (char) 0, (char) received.length);
            assertThat((int) fromPeer.getChannelNumber()).isEqualTo((int) CHANNEL);
            assertThat(fromPeer.getData()).isEqualTo(pong);
        }
        assertThat(relay.stats().channels()).isEqualTo(1);
    }

    private Message exchange(DatagramSocket socket, InetSocketAddress server, Request request, byte[] realm, byte[] nonce) throws Exception {
        byte[] id = newId();
        return exchange(socket, server, request, realm, nonce, id);
    }

    private Message exchange(DatagramSocket socket, InetSocketAddress server, Request request, byte[] realm, byte[] nonce, byte[] id)
            throws Exception {
        request.setTransactionID(id);
        if (realm != null) {
            request.putAttribute(AttributeFactory.createUsernameAttribute(USER));
            request.putAttribute(AttributeFactory.createRealmAttribute(realm));
            request.putAttribute(AttributeFactory.createNonceAttribute(nonce));
            request.putAttribute(AttributeFactory.createMessageIntegrityAttribute(USER));
        }
        byte[] bytes = request.encode(stack);
        socket.send(new DatagramPacket(bytes, bytes.length, server));
        byte[] buffer = new byte[2048];
        DatagramPacket response = new DatagramPacket(buffer, buffer.length);
        socket.receive(response);
        Message decoded = Message.decode(response.getData(), 0, response.getLength());
        assertThat(decoded.getTransactionID()).isEqualTo(id);
        return decoded;
    }

    private byte[] newId() {
        byte[] id = new byte[12];
        ids.nextBytes(id);
        return id;
    }

    private static String describe(Message message) {
        ErrorCodeAttribute error = (ErrorCodeAttribute) message.getAttribute(Attribute.ERROR_CODE);
        return error == null ? message.getName() : message.getName() + " " + (int) error.getErrorCode() + " " + error.getReasonPhrase();
    }

    /** Hands ice4j the long-term key (MD5 of user:realm:password) to sign requests with. */
    private record LongTermKey(byte[] key) implements CredentialsAuthority {
        @Override
        public byte[] getLocalKey(String username) {
            return key;
        }

        @Override
        public byte[] getRemoteKey(String username, String media) {
            return key;
        }

        @Override
        public boolean checkLocalUserName(String username) {
            return USER.equals(username);
        }
    }
}
