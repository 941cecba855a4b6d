package io.turnrelay.xdp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/** The loaded and verified program with its tables, not attached anywhere: the part tests drive as a pure function. */
final class XdpProgram implements AutoCloseable {
    /** sizeof(struct turn_xdp_config). */
    private static final int CONFIG_LENGTH = 24;
    private static final int MAX_LISTEN_PORTS = 8;

    private long handle;

    private XdpProgram(long handle) {
        this.handle = handle;
    }

    /** Loads the program configured with {@code settings}' ports and next-hop rule; its tables sized for maxChannels. */
    static XdpProgram load(XdpSettings settings) throws XdpException {
        XdpSupport support = NativeXdp.support();
        if (!support.available()) {
            throw new XdpException(support.reason());
        }
        return load(NativeXdp.programObject(), settings);
    }

    /** Loads {@code object} (an ELF with the program's tables and sections) in place of the built one. */
    static XdpProgram load(byte[] object, XdpSettings settings) throws XdpException {
        return new XdpProgram(NativeXdp.open(object, config(settings), settings.maxChannels()));
    }

    /** struct turn_xdp_config: listen ports in network order, the rest in the machine's order. */
    static byte[] config(XdpSettings settings) {
        ByteBuffer config = ByteBuffer.allocate(CONFIG_LENGTH);
        List<Integer> ports = settings.listenPorts();
        for (int i = 0; i < MAX_LISTEN_PORTS; i++) {
            config.order(ByteOrder.BIG_ENDIAN).putShort((short) (i < ports.size() ? ports.get(i) : 0));
        }
        config.order(ByteOrder.nativeOrder());
        config.putShort((short) settings.lowestRelayPort());
        config.putShort((short) settings.highestRelayPort());
        config.putShort((short) settings.highestChannelNumber());
        config.putShort((short) switch (settings.nextHop()) {
            case ROUTE_LOOKUP -> 0;
            case SWAP_MACS -> 1;
            case AUTO -> throw new IllegalArgumentException("resolve NextHop.AUTO before loading");
        });
        return config.array();
    }

    synchronized long handle() throws XdpException {
        if (handle == 0) {
            throw new XdpException("the XDP program is closed");
        }
        return handle;
    }

    /** Adds both entries of a channel; on failure (a full table) neither stays. */
    synchronized void add(ChannelEntries entries) throws XdpException {
        long program = handle();
        NativeXdp.update(program, entries.toClientTable(), entries.peerKey(), entries.clientKey());
        try {
            NativeXdp.update(program, entries.toPeerTable(), entries.clientKey(), entries.peerKey());
        } catch (XdpException e) {
            NativeXdp.delete(program, entries.toClientTable(), entries.peerKey());
            throw e;
        }
    }

    /** Removes both entries of a channel; when this returns, the program no longer relays it. */
    synchronized void remove(ChannelEntries entries) throws XdpException {
        long program = handle();
        NativeXdp.delete(program, entries.toPeerTable(), entries.clientKey());
        NativeXdp.delete(program, entries.toClientTable(), entries.peerKey());
    }

    /** Entries in all four tables. */
    synchronized int entries() throws XdpException {
        long program = handle();
        int entries = 0;
        for (int table = NativeXdp.TO_PEER_V4; table <= NativeXdp.TO_CLIENT_V6; table++) {
            entries += NativeXdp.count(program, table);
        }
        return entries;
    }

    synchronized long[] stats() throws XdpException {
        return NativeXdp.stats(handle());
    }

    /** The verdict and the frame after the program ran on {@code frame} once (BPF_PROG_TEST_RUN). */
    synchronized TestRun run(byte[] frame) throws XdpException {
        byte[] out = new byte[frame.length + 256];
        int[] length = new int[1];
        int verdict = NativeXdp.testRun(handle(), frame, out, length);
        return new TestRun(verdict, java.util.Arrays.copyOf(out, length[0]));
    }

    /** An XDP verdict (XDP_PASS 2, XDP_TX 3, ...) with the frame the program left. */
    record TestRun(int verdict, byte[] frame) {}

    @Override
    public synchronized void close() {
        if (handle != 0) {
            NativeXdp.close(handle);
            handle = 0;
        }
    }
}
