package io.turnrelay.xdp;

import static io.turnrelay.xdp.Frames.address;
import static io.turnrelay.xdp.Frames.channelData;
import static io.turnrelay.xdp.Frames.mac;
import static io.turnrelay.xdp.Frames.payload;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.turnrelay.api.offload.OffloadCounters;
import io.turnrelay.api.offload.OffloadedChannel;
import io.turnrelay.xdp.Frames.Udp;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The program as a pure function: BPF_PROG_TEST_RUN on crafted frames, each verdict asserted, and each rewritten frame
 * compared byte for byte with one {@link Frames} built from scratch, checksums computed over the whole datagram.
 */
class XdpProgramTest {
    static final int XDP_PASS = 2;
    static final int XDP_TX = 3;

    static final int LISTEN = 3478;
    static final int RELAY_PORT = 50_001;
    static final int CHANNEL = 0x4000;
    static final byte[] RELAY_MAC = mac(2);
    static final byte[] GATEWAY_MAC = mac(1);

    static final InetSocketAddress CLIENT4 = address("198.18.1.2", 40_000);
    static final InetSocketAddress PEER4 = address("198.18.2.2", 60_000);
    static final String RELAY4 = "198.18.0.2";
    static final InetSocketAddress CLIENT6 = address("2001:db8:1::2", 40_000);
    static final InetSocketAddress PEER6 = address("2001:db8:2::2", 60_000);
    static final String RELAY6 = "2001:db8::2";

    private XdpProgram program;

    static XdpSettings settings(XdpSettings.NextHop nextHop, int highestChannel) {
        return new XdpSettings(List.of("lo"), XdpMode.GENERIC, List.of(LISTEN, 3479 + 10), 49_152, 65_535, highestChannel, 64, nextHop);
    }

    static OffloadedChannel channel(InetSocketAddress client, InetSocketAddress peer, String relay, int number) {
        return new OffloadedChannel(client, address(relay, LISTEN), number, peer, RELAY_PORT);
    }

    @BeforeEach
    void load() throws XdpException {
        program = loadOrSkip(settings(XdpSettings.NextHop.SWAP_MACS, 0x4FFF));
        program.add(ChannelEntries.of(channel(CLIENT4, PEER4, RELAY4, CHANNEL)));
        program.add(ChannelEntries.of(channel(CLIENT6, PEER6, RELAY6, CHANNEL)));
    }

    static XdpProgram loadOrSkip(XdpSettings settings) throws XdpException {
        XdpSupport support = XdpOffload.support();
        assumeTrue(support.available(), support.reason());
        assumeTrue("root".equals(System.getProperty("user.name")), "loading an XDP program needs CAP_BPF (run as root)");
        return XdpProgram.load(settings);
    }

    @AfterEach
    void close() {
        if (program != null) {
            program.close();
        }
    }

    // -------------------------------------------------------------------------------------------------------------
    // Relayed

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 100, 1171, 1400})
    void clientChannelDataLeavesForThePeerWithoutItsHeader(int length) throws XdpException {
        for (boolean v6 : new boolean[] {false, true}) {
            byte[] data = payload(length, length);
            Udp in = fromClient(v6, channelData(CHANNEL, data, 0), true);
            Udp expected = new Udp(GATEWAY_MAC, RELAY_MAC, relayAddress(v6, RELAY_PORT), peer(v6), data, 64, in.ipId(), true, true);
            assertRelayed(in.build(), expected.build());
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 7, 100, 1171, 1400})
    void peerDatagramLeavesForTheClientAsChannelData(int length) throws XdpException {
        for (boolean v6 : new boolean[] {false, true}) {
            byte[] data = payload(length, length + 1);
            Udp in = fromPeer(v6, data, peer(v6));
            Udp expected = new Udp(GATEWAY_MAC, RELAY_MAC, relayAddress(v6, LISTEN), client(v6), channelData(CHANNEL, data, 0), 64, in.ipId(),
                    true, true);
            assertRelayed(in.build(), expected.build());
        }
    }

    @Test
    void anIpv4DatagramWithoutChecksumIsRelayedWithoutOne() throws XdpException {
        byte[] data = payload(33, 3);
        Udp in = fromClient(false, channelData(CHANNEL, data, 0), false);
        Udp expected = new Udp(GATEWAY_MAC, RELAY_MAC, relayAddress(false, RELAY_PORT), PEER4, data, 64, in.ipId(), true, false);
        assertRelayed(in.build(), expected.build());

        Udp fromPeer = new Udp(RELAY_MAC, GATEWAY_MAC, PEER4, relayAddress(false, RELAY_PORT), data, 60, 9, true, false);
        Udp toClient = new Udp(GATEWAY_MAC, RELAY_MAC, relayAddress(false, LISTEN), CLIENT4, channelData(CHANNEL, data, 0), 64, 9, true, false);
        assertRelayed(fromPeer.build(), toClient.build());
    }

    @Test
    void anEthernetTrailerIsDroppedFromTheRelayedFrame() throws XdpException {
        byte[] data = payload(3, 4);
        byte[] frame = fromClient(false, channelData(CHANNEL, data, 0), true).build();
        byte[] padded = Arrays.copyOf(frame, 60); // the minimum frame a NIC pads short ones to
        Udp expected = new Udp(GATEWAY_MAC, RELAY_MAC, relayAddress(false, RELAY_PORT), PEER4, data, 64, 7, true, true);
        assertRelayed(padded, expected.build());

        byte[] fromPeer = Arrays.copyOf(fromPeer(false, data, PEER4).build(), 60);
        Udp toClient = new Udp(GATEWAY_MAC, RELAY_MAC, relayAddress(false, LISTEN), CLIENT4, channelData(CHANNEL, data, 0), 64, 8, true, true);
        assertRelayed(fromPeer, toClient.build());
    }

    @Test
    void rfc5766ChannelNumbersAreRelayedWhenConfigured() throws XdpException {
        program.close();
        program = loadOrSkip(settings(XdpSettings.NextHop.SWAP_MACS, 0x7FFF));
        program.add(ChannelEntries.of(channel(CLIENT4, PEER4, RELAY4, 0x7FFE)));
        byte[] data = payload(20, 5);
        Udp in = fromClient(false, channelData(0x7FFE, data, 0), true);
        assertRelayed(in.build(), new Udp(GATEWAY_MAC, RELAY_MAC, relayAddress(false, RELAY_PORT), PEER4, data, 64, in.ipId(), true, true).build());
    }

    @Test
    void countersSumPacketsAndPayloadBytesEachWay() throws XdpException {
        run(fromClient(false, channelData(CHANNEL, payload(100, 1), 0), true).build());
        run(fromClient(true, channelData(CHANNEL, payload(50, 1), 0), true).build());
        run(fromPeer(false, payload(10, 1), PEER4).build());
        run(fromClient(false, channelData(0x4001, payload(10, 1), 0), true).build()); // missed
        long[] stats = program.stats();
        assertThat(new OffloadCounters(stats[0], stats[1], stats[2], stats[3])).isEqualTo(new OffloadCounters(2, 150, 1, 10));
        assertThat(stats[4]).as("missed").isEqualTo(1);
        assertThat(program.entries()).isEqualTo(4);
    }

    // -------------------------------------------------------------------------------------------------------------
    // Passed to the relay, untouched

    @Test
    void aRemovedChannelIsPassedToTheRelay() throws XdpException {
        program.remove(ChannelEntries.of(channel(CLIENT4, PEER4, RELAY4, CHANNEL)));
        assertPassed(fromClient(false, channelData(CHANNEL, payload(10, 1), 0), true).build());
        assertPassed(fromPeer(false, payload(10, 1), PEER4).build());
        assertThat(program.entries()).isEqualTo(2);
    }

    @Test
    void paddedChannelDataIsPassed() throws XdpException {
        for (int padding = 1; padding <= 3; padding++) {
            assertPassed(fromClient(false, channelData(CHANNEL, payload(5, 1), padding), true).build());
            assertPassed(fromClient(true, channelData(CHANNEL, payload(5, 1), padding), true).build());
        }
    }

    @Test
    void channelDataWhoseLengthDisagreesWithTheDatagramIsPassed() throws XdpException {
        byte[] data = payload(40, 1);
        for (boolean v6 : new boolean[] {false, true}) {
            assertPassed(fromClient(v6, channelData(CHANNEL, 41, data, 0), true).build());
            assertPassed(fromClient(v6, channelData(CHANNEL, 36, data, 0), true).build());
        }
    }

    @Test
    void unknownChannelsPeersAndPortsArePassed() throws XdpException {
        assertPassed(fromClient(false, channelData(0x4001, payload(8, 1), 0), true).build());
        assertPassed(fromClient(true, channelData(0x4001, payload(8, 1), 0), true).build());
        assertPassed(fromClient(false, channelData(0x5000, payload(8, 1), 0), true).build()); // above 0x4FFF
        assertPassed(fromPeer(false, payload(8, 1), address("198.18.2.2", 60_001)).build());
        assertPassed(fromPeer(true, payload(8, 1), address("2001:db8:2::3", 60_000)).build());
        Udp wrongPort = new Udp(RELAY_MAC, GATEWAY_MAC, CLIENT4, address(RELAY4, 3480), channelData(CHANNEL, payload(8, 1), 0), 63, 7, true,
                true);
        assertPassed(wrongPort.build());
        Udp otherClient = new Udp(RELAY_MAC, GATEWAY_MAC, address("198.18.1.3", 40_000), address(RELAY4, LISTEN),
                channelData(CHANNEL, payload(8, 1), 0), 63, 7, true, true);
        assertPassed(otherClient.build());
    }

    @Test
    void stunIsPassed() throws XdpException {
        byte[] binding = new byte[20];
        Frames.putShort(binding, 0, 0x0001);
        binding[4] = 0x21;
        binding[5] = 0x12;
        binding[6] = (byte) 0xA4;
        binding[7] = 0x42;
        assertPassed(fromClient(false, binding, true).build());
        assertPassed(fromClient(true, binding, true).build());
    }

    @Test
    void ipv4OptionsAndFragmentsArePassed() throws XdpException {
        byte[] frame = fromClient(false, channelData(CHANNEL, payload(16, 1), 0), true).build();

        byte[] moreFragments = frame.clone();
        moreFragments[Frames.ETHERNET + 6] = 0x20; // MF
        assertPassed(moreFragments);
        byte[] laterFragment = frame.clone();
        laterFragment[Frames.ETHERNET + 7] = 0x10; // offset 16 * 8
        assertPassed(laterFragment);

        byte[] withOptions = new byte[frame.length + 4]; // one NOP-padded option word after the header
        System.arraycopy(frame, 0, withOptions, 0, Frames.ETHERNET + 20);
        System.arraycopy(frame, Frames.ETHERNET + 20, withOptions, Frames.ETHERNET + 24, frame.length - Frames.ETHERNET - 20);
        withOptions[Frames.ETHERNET] = 0x46;
        Frames.putShort(withOptions, Frames.ETHERNET + 2, frame.length - Frames.ETHERNET + 4);
        Arrays.fill(withOptions, Frames.ETHERNET + 20, Frames.ETHERNET + 24, (byte) 1);
        assertPassed(withOptions);
    }

    @Test
    void ipv6ExtensionHeadersArePassed() throws XdpException {
        byte[] frame = fromClient(true, channelData(CHANNEL, payload(16, 1), 0), true).build();
        frame[Frames.ETHERNET + 6] = 44; // a fragment header follows, not UDP
        assertPassed(frame);
    }

    @Test
    void truncatedFramesArePassed() throws XdpException {
        for (boolean v6 : new boolean[] {false, true}) {
            byte[] frame = fromClient(v6, channelData(CHANNEL, payload(16, 1), 0), true).build();
            int ip = v6 ? 40 : 20;
            // The kernel refuses to run on less than an Ethernet header, so cuts start after it.
            for (int cut : new int[] {Frames.ETHERNET, Frames.ETHERNET + 8, Frames.ETHERNET + ip + 4, Frames.ETHERNET + ip + 8 + 2, frame.length - 1}) {
                assertPassed(Arrays.copyOf(frame, cut));
            }
            byte[] fromPeer = fromPeer(v6, payload(16, 1), peer(v6)).build();
            assertPassed(Arrays.copyOf(fromPeer, fromPeer.length - 1));
        }
    }

    @Test
    void otherTrafficIsPassed() throws XdpException {
        byte[] arp = new byte[42];
        System.arraycopy(RELAY_MAC, 0, arp, 0, 6);
        Frames.putShort(arp, 12, 0x0806);
        assertPassed(arp);
        byte[] tcp = fromClient(false, channelData(CHANNEL, payload(16, 1), 0), true).build();
        tcp[Frames.ETHERNET + 9] = 6;
        assertPassed(tcp);
    }

    @Test
    void withRouteLookupAFrameWithoutARouteBackOutIsPassedAndCounted() throws XdpException {
        program.close();
        program = loadOrSkip(settings(XdpSettings.NextHop.ROUTE_LOOKUP, 0x4FFF));
        program.add(ChannelEntries.of(channel(CLIENT4, PEER4, RELAY4, CHANNEL)));
        // BPF_PROG_TEST_RUN runs on loopback, which routes nothing back out of itself.
        assertPassed(fromClient(false, channelData(CHANNEL, payload(16, 1), 0), true).build());
        assertPassed(fromPeer(false, payload(16, 1), PEER4).build());
        assertThat(program.stats()[5]).as("unroutable").isEqualTo(2);
    }

    @Test
    void aFullTableRefusesTheChannelAndKeepsNeitherEntry() throws XdpException {
        program.close();
        program = loadOrSkip(new XdpSettings(List.of("lo"), XdpMode.GENERIC, List.of(LISTEN), 49_152, 65_535, 0x4FFF, 1,
                XdpSettings.NextHop.SWAP_MACS));
        program.add(ChannelEntries.of(channel(CLIENT4, PEER4, RELAY4, CHANNEL)));
        ChannelEntries second = ChannelEntries.of(channel(CLIENT4, address("198.18.2.3", 60_000), RELAY4, CHANNEL + 1));
        assertThatThrownBy(() -> program.add(second)).isInstanceOf(XdpException.class).hasMessageContaining("to_client_v4");
        assertThat(program.entries()).isEqualTo(2);
    }

    @Test
    void theVerifiersRefusalIsReportedWithItsReason() throws Exception {
        byte[] refused = java.nio.file.Files.readAllBytes(java.nio.file.Path.of("target/test-bpf/refused.bpf.o"));
        assertThatThrownBy(() -> XdpProgram.load(refused, settings(XdpSettings.NextHop.SWAP_MACS, 0x4FFF)))
                .isInstanceOf(XdpException.class)
                .hasMessageContaining("the kernel refused the XDP program")
                .hasMessageContaining("invalid access to packet");
    }

    @Test
    void channelsBetweenFamiliesHaveNoEntries() {
        assertThat(ChannelEntries.of(channel(CLIENT4, PEER6, RELAY4, CHANNEL))).isNull();
        assertThat(ChannelEntries.of(channel(CLIENT6, PEER4, RELAY6, CHANNEL))).isNull();
    }

    @Test
    void attachingToAnUnknownInterfaceNamesIt() {
        XdpSupport support = XdpOffload.support();
        assumeTrue(support.available(), support.reason());
        assertThatThrownBy(() -> XdpOffload.attach(new XdpSettings(List.of("nosuchif0"), XdpMode.NATIVE, List.of(LISTEN), 49_152, 65_535,
                0x4FFF, 16))).isInstanceOf(XdpException.class).hasMessage("nosuchif0: no such network interface");
    }

    // -------------------------------------------------------------------------------------------------------------

    private static Udp fromClient(boolean v6, byte[] message, boolean checksum) {
        return new Udp(RELAY_MAC, GATEWAY_MAC, client(v6), relayAddress(v6, LISTEN), message, 63, 7, true, checksum);
    }

    private static Udp fromPeer(boolean v6, byte[] payload, InetSocketAddress peer) {
        return new Udp(RELAY_MAC, GATEWAY_MAC, peer, relayAddress(v6, RELAY_PORT), payload, 61, 8, true, true);
    }

    private static InetSocketAddress client(boolean v6) {
        return v6 ? CLIENT6 : CLIENT4;
    }

    private static InetSocketAddress peer(boolean v6) {
        return v6 ? PEER6 : PEER4;
    }

    private static InetSocketAddress relayAddress(boolean v6, int port) {
        return address(v6 ? RELAY6 : RELAY4, port);
    }

    private XdpProgram.TestRun run(byte[] frame) throws XdpException {
        return program.run(frame);
    }

    private void assertRelayed(byte[] in, byte[] expected) throws XdpException {
        XdpProgram.TestRun result = run(in);
        assertThat(result.verdict()).as("verdict").isEqualTo(XDP_TX);
        assertThat(hex(result.frame())).isEqualTo(hex(expected));
    }

    private void assertPassed(byte[] in) throws XdpException {
        XdpProgram.TestRun result = run(in);
        assertThat(result.verdict()).as("verdict").isEqualTo(XDP_PASS);
        assertThat(hex(result.frame())).as("untouched").isEqualTo(hex(in));
    }

    private static String hex(byte[] bytes) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < bytes.length; i++) {
            text.append(String.format("%02x", bytes[i] & 0xFF)).append(i % 16 == 15 ? "\n" : " ");
        }
        return text.toString();
    }
}
