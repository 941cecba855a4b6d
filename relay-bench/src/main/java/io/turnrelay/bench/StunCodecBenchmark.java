package io.turnrelay.bench;

import io.turnrelay.core.stun.ChannelData;
import io.turnrelay.core.stun.StunClass;
import io.turnrelay.core.stun.StunDecodeException;
import io.turnrelay.core.stun.StunMessage;
import io.turnrelay.core.stun.StunMessageWriter;
import io.turnrelay.core.stun.StunMethod;
import io.turnrelay.core.stun.TransactionId;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The codec operations on a TURN server's per-packet paths: decoding an authenticated Allocate request,
 * encoding its success response, and framing ChannelData (which must not allocate).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class StunCodecBenchmark {
    private static final String USERNAME = "1735689600:9f8e7d6c5b4a";
    private static final String REALM = "turnrelay.example";
    private static final String PASSWORD = "4Hk0kpOXqlPHsRw8SBB7hxvsUGc";
    private static final String NONCE = "obMatJos2AAAB5e0b6d3a4c2f1e9d8c7b6a5f4e3d2c1";
    private static final int UDP = 17;

    private final byte[] longTermKey = longTermKey(USERNAME, REALM, PASSWORD);
    private final TransactionId transactionId = TransactionId.of(HexFormat.of().parseHex("5a0c3e7f9b21d4c68e0f1a2b"));
    private final InetSocketAddress relayedAddress = socketAddress("203.0.113.17", 49_152);
    private final InetSocketAddress mappedAddress = socketAddress("198.51.100.42", 61_234);
    private final ByteBuffer response = ByteBuffer.allocate(1_500);
    private ByteBuffer request = ByteBuffer.allocate(0);

    /** An Allocate request as a client sends it after the 401 challenge. */
    @Setup
    public void encodeRequest() {
        ByteBuffer out = ByteBuffer.allocate(1_500);
        StunMessageWriter.start(out, StunClass.REQUEST, StunMethod.ALLOCATE, transactionId)
                .username(USERNAME)
                .realm(REALM)
                .nonce(NONCE)
                .requestedTransport(UDP)
                .messageIntegrity(longTermKey)
                .finishWithFingerprint();
        request = out.flip();
    }

    /** Parse and read every attribute the server looks at, without checking integrity. */
    @Benchmark
    public void decodeAllocateRequest(Blackhole blackhole) throws StunDecodeException {
        StunMessage message = StunMessage.parse(request);
        blackhole.consume(message.method());
        blackhole.consume(message.transactionId());
        blackhole.consume(message.username());
        blackhole.consume(message.realm());
        blackhole.consume(message.nonce());
        blackhole.consume(message.requestedTransport());
        blackhole.consume(message.unknownComprehensionRequiredAttributes());
    }

    /** As {@link #decodeAllocateRequest}, plus MESSAGE-INTEGRITY (HMAC-SHA1) and FINGERPRINT verification. */
    @Benchmark
    public void decodeAndVerifyAllocateRequest(Blackhole blackhole) throws StunDecodeException {
        StunMessage message = StunMessage.parse(request);
        blackhole.consume(message.method());
        blackhole.consume(message.transactionId());
        blackhole.consume(message.username());
        blackhole.consume(message.realm());
        blackhole.consume(message.nonce());
        blackhole.consume(message.requestedTransport());
        blackhole.consume(message.unknownComprehensionRequiredAttributes());
        blackhole.consume(message.verifyFingerprint());
        blackhole.consume(message.verifyMessageIntegrity(longTermKey));
    }

    /** The Allocate success response, signed, into a reused buffer; returns its length. */
    @Benchmark
    public int encodeAllocateSuccessResponse() {
        response.clear();
        return StunMessageWriter.start(response, StunClass.SUCCESS_RESPONSE, StunMethod.ALLOCATE, transactionId)
                .xorRelayedAddress(relayedAddress)
                .xorMappedAddress(mappedAddress)
                .lifetime(600)
                .software("turnrelay")
                .messageIntegrity(longTermKey)
                .finish();
    }

    /** A received ChannelData datagram with a typical small media payload. */
    @State(Scope.Thread)
    public static class ChannelDataFrame {
        @Param({"heap", "direct"})
        public String buffer = "heap";

        ByteBuffer datagram = ByteBuffer.allocate(0);
        int length;

        @Setup
        public void frame() {
            length = ChannelData.HEADER_LENGTH + 160;
            datagram = "direct".equals(buffer) ? ByteBuffer.allocateDirect(length) : ByteBuffer.allocate(length);
            ChannelData.writeHeader(datagram, 0, 0x4001, 160);
        }
    }

    /** Validating and reading a ChannelData header: the relay's hot path, expected to allocate nothing. */
    @Benchmark
    public void parseChannelDataHeader(ChannelDataFrame frame, Blackhole blackhole) {
        blackhole.consume(ChannelData.payloadLength(frame.datagram, 0, frame.length, false));
        blackhole.consume(ChannelData.channelNumber(frame.datagram, 0));
    }

    private static byte[] longTermKey(String username, String realm, String password) {
        try {
            return MessageDigest.getInstance("MD5")
                    .digest((username + ":" + realm + ":" + password).getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has MD5", e);
        }
    }

    private static InetSocketAddress socketAddress(String literal, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByName(literal), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }
}
