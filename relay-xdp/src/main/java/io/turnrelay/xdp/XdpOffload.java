package io.turnrelay.xdp;

import io.turnrelay.api.offload.ChannelOffload;
import io.turnrelay.api.offload.OffloadCounters;
import io.turnrelay.api.offload.OffloadedChannel;
import java.io.IOException;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The XDP data plane as a relay's {@link ChannelOffload}: the program loaded once, attached to every configured
 * interface through BPF links (the kernel detaches it when the process ends, however it ends), its tables mirroring
 * the channels the relay offers. Thread-safe; table edits are system calls made on the caller's thread.
 */
public final class XdpOffload implements ChannelOffload {
    private final XdpProgram program;
    private final List<Integer> links;
    private final String description;
    private XdpStatistics last = new XdpStatistics(OffloadCounters.ZERO, 0, 0, 0);
    private boolean closed;

    private XdpOffload(XdpProgram program, List<Integer> links, String description) {
        this.program = program;
        this.links = links;
        this.description = description;
    }

    /** Whether the program is in this build and its native library loads here (not whether attaching will work). */
    public static XdpSupport support() {
        return NativeXdp.support();
    }

    /**
     * Loads the program with {@code settings} and attaches it to every interface; throws naming the cause: XDP not
     * in this build, an unknown interface, missing privileges, the verifier's refusal, or the attach failing (e.g.
     * another XDP program on the interface, or no native XDP in its driver).
     */
    public static XdpOffload attach(XdpSettings settings) throws XdpException {
        List<Integer> indexes = new ArrayList<>();
        for (String name : settings.interfaces()) {
            indexes.add(interfaceIndex(name));
        }
        XdpSettings.NextHop hop = settings.nextHop() == XdpSettings.NextHop.AUTO ? automaticNextHop(settings.interfaces()) : settings.nextHop();
        XdpProgram program = XdpProgram.load(settings.withNextHop(hop));
        List<Integer> links = new ArrayList<>();
        try {
            for (int i = 0; i < indexes.size(); i++) {
                try {
                    links.add(NativeXdp.attach(program.handle(), indexes.get(i), settings.mode() == XdpMode.GENERIC));
                } catch (XdpException e) {
                    throw new XdpException(settings.interfaces().get(i) + ": " + e.getMessage());
                }
            }
        } catch (XdpException e) {
            links.forEach(NativeXdp::detach);
            program.close();
            throw e;
        }
        String description = "xdp " + settings.mode().name().toLowerCase(Locale.ROOT) + " on " + String.join(", ", settings.interfaces())
                + (hop == XdpSettings.NextHop.ROUTE_LOOKUP ? ", next hop by route lookup" : ", next hop: back to the sending MAC");
        return new XdpOffload(program, links, description);
    }

    /** Route lookup where every interface forwards both families (bpf_fib_lookup refuses elsewhere), else swapped MACs. */
    private static XdpSettings.NextHop automaticNextHop(List<String> interfaces) {
        for (String name : interfaces) {
            if (!forwards("ipv4", name) || !forwards("ipv6", name)) {
                return XdpSettings.NextHop.SWAP_MACS;
            }
        }
        return XdpSettings.NextHop.ROUTE_LOOKUP;
    }

    private static boolean forwards(String family, String name) {
        try {
            return Files.readString(Path.of("/proc/sys/net", family, "conf", name, "forwarding")).strip().equals("1");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static int interfaceIndex(String name) throws XdpException {
        try {
            NetworkInterface nic = NetworkInterface.getByName(name);
            if (nic == null || nic.getIndex() <= 0) {
                throw new XdpException(name + ": no such network interface");
            }
            return nic.getIndex();
        } catch (SocketException e) {
            throw new XdpException(name + ": " + e.getMessage());
        }
    }

    /** Adds the channel's two entries; false for a channel the program cannot carry or when its table is full. */
    @Override
    public synchronized boolean offer(OffloadedChannel channel) {
        ChannelEntries entries = ChannelEntries.of(channel);
        if (closed || entries == null) {
            return false;
        }
        try {
            program.add(entries);
            return true;
        } catch (XdpException e) {
            return false; // a full table: the relay keeps relaying this channel itself
        }
    }

    @Override
    public synchronized void withdraw(OffloadedChannel channel) {
        ChannelEntries entries = ChannelEntries.of(channel);
        if (closed || entries == null) {
            return;
        }
        try {
            program.remove(entries);
        } catch (XdpException e) {
            // Only when the program is gone, and with it everything it relayed.
        }
    }

    /** The relayed counters only: the relay reads them for every stats snapshot, and they cost one lookup per CPU. */
    @Override
    public synchronized OffloadCounters counters() {
        return read(false).relayed();
    }

    /**
     * The program's counters and table size now (the last ones read once closed). Counting the entries walks every
     * table, one system call per entry: for /metrics, not for every stats snapshot.
     */
    public synchronized XdpStatistics statistics() {
        return read(true);
    }

    private XdpStatistics read(boolean countEntries) {
        if (!closed) {
            try {
                long[] s = program.stats();
                last = new XdpStatistics(new OffloadCounters(s[0], s[1], s[2], s[3]), s[4], s[5],
                        countEntries ? program.entries() : last.entries());
            } catch (XdpException e) {
                // Keep the last reading.
            }
        }
        return last;
    }

    /** How many table entries the program holds now: two per offloaded channel. */
    public int entries() {
        return statistics().entries();
    }

    @Override
    public String description() {
        return description;
    }

    /** Detaches the program from every interface and frees it. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        statistics();
        closed = true;
        links.forEach(NativeXdp::detach);
        program.close();
    }
}
