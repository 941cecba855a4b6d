package io.turnrelay.core.turn.model;

import static io.turnrelay.core.turn.model.ServerHarness.check;

import io.turnrelay.api.CidrRange;
import io.turnrelay.api.PeerAddressPolicy;
import io.turnrelay.api.StaticUsersAuthenticator;
import io.turnrelay.core.stun.AddressFamily;
import io.turnrelay.core.stun.ErrorCode;
import io.turnrelay.core.stun.StunClass;
import io.turnrelay.core.stun.StunMessage;
import io.turnrelay.core.stun.StunMethod;
import io.turnrelay.core.turn.RelayAction;
import io.turnrelay.core.turn.ServerProbe;
import io.turnrelay.core.turn.TurnCommand;
import io.turnrelay.core.turn.TurnServerConfig;
import io.turnrelay.core.turn.TurnStats;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Runs one {@link Scenario} against a real {@link io.turnrelay.core.turn.TurnServer} through the
 * {@link ServerHarness}, predicts every answer and forwarding decision with the {@link RelayModel}, and
 * checks the invariants after every step and at the end. Failures carry the whole trace.
 */
final class ScenarioRunner {
    static final int LOWEST_PORT = 50_000;
    static final String REALM = "model.test";
    static final Map<String, String> PASSWORDS = Map.of("alice", "alice-secret", "bob", "bob-secret");
    static final List<String> USERS = List.of("alice", "bob");
    static final int MAX_ALLOCATIONS_PER_USER = 2;
    static final long SECOND = 1_000_000_000L;
    static final InetAddress RELAY_IPV4 = address("192.0.2.10");
    static final InetAddress RELAY_IPV6 = address("2001:db8::10");

    /** Distinct 5-tuples, two of them sharing an IP. */
    static final List<InetSocketAddress> CLIENTS = List.of(
            new InetSocketAddress(address("198.51.100.1"), 40_000),
            new InetSocketAddress(address("198.51.100.1"), 40_001),
            new InetSocketAddress(address("198.51.100.2"), 40_000),
            new InetSocketAddress(address("2001:db8:1::1"), 40_000),
            new InetSocketAddress(address("198.51.100.3"), 3478),
            new InetSocketAddress(address("2001:db8:1::2"), 50_000),
            new InetSocketAddress(address("198.51.100.4"), 61_000),
            new InetSocketAddress(address("198.51.100.5"), 1));

    /** Peers; the last two are refused by the policy (private, loopback). */
    static final List<InetSocketAddress> PEERS = List.of(
            new InetSocketAddress(address("8.8.8.8"), 3478),
            new InetSocketAddress(address("8.8.8.8"), 5000),
            new InetSocketAddress(address("8.8.4.4"), 6000),
            new InetSocketAddress(address("203.0.113.7"), 7000),
            new InetSocketAddress(address("2001:4860::8888"), 3478),
            new InetSocketAddress(address("10.1.2.3"), 4000),
            new InetSocketAddress(address("127.0.0.1"), 5000));
    static final Set<Integer> FORBIDDEN_PEERS = Set.of(5, 6);

    private final Scenario scenario;
    private final ServerHarness harness;
    private final RelayModel model;
    private final List<TurnTestClient> clients = new ArrayList<>();
    private final List<String> trace = new ArrayList<>();
    private final Set<Integer> portsHeldByOtherProcesses;
    private boolean accepting = true;
    /** Every RESERVATION-TOKEN handed out, in order, for later Allocates (from any client) to present. */
    private final List<Long> tokens = new ArrayList<>();
    private static final long UNKNOWN_TOKEN = 0x0123_4567_89AB_CDEFL;
    private long forwardsToPeers;
    private long bytesToPeers;
    private long forwardsToClients;
    private long bytesToClients;

    private final Coverage coverage;

    ScenarioRunner(Scenario scenario, Coverage coverage) {
        this.scenario = scenario;
        this.coverage = coverage;
        this.portsHeldByOtherProcesses = scenario.portTakenByOtherProcess() && scenario.portRangeSize() > 1
                ? Set.of(LOWEST_PORT + 1) : Set.of();
        VirtualClock clock = new VirtualClock();
        TurnServerConfig config = configBuilder(clock, LOWEST_PORT, LOWEST_PORT + scenario.portRangeSize() - 1)
                .oneAllocationPerUsername(scenario.oneAllocationPerUsername())
                .rfc5766ChannelNumbers(scenario.rfc5766ChannelNumbers())
                .build();
        this.harness = new ServerHarness(config, clock, scenario.serverSeed(), portsHeldByOtherProcesses);
        this.model = new RelayModel(config.permissionLifetime().toNanos(), config.channelLifetime().toNanos(),
                config.channelCooldown().toNanos());
        for (int i = 0; i < scenario.clientCount(); i++) {
            clients.add(new TurnTestClient(i, CLIENTS.get(i), PASSWORDS, i % 2 == 1, i % 3 == 1));
        }
    }

    static TurnServerConfig config(VirtualClock clock, int lowestPort, int highestPort) {
        return configBuilder(clock, lowestPort, highestPort).build();
    }

    static TurnServerConfig.Builder configBuilder(VirtualClock clock, int lowestPort, int highestPort) {
        return TurnServerConfig.builder()
                .realm(REALM)
                .portRange(lowestPort, highestPort)
                .publicIpv4(RELAY_IPV4)
                .publicIpv6(RELAY_IPV6)
                .authenticator(new StaticUsersAuthenticator(PASSWORDS))
                .peerPolicy(PeerAddressPolicy.builder().allow(CidrRange.parse("203.0.113.0/24")).build())
                .unixClock(clock::unixSeconds)
                .maxAllocationsPerUser(MAX_ALLOCATIONS_PER_USER);
    }

    void run() {
        List<Operation> operations = scenario.operations();
        for (int i = 0; i < operations.size(); i++) {
            Operation operation = operations.get(i);
            try {
                String summary = apply(operation);
                trace.add("#" + i + " " + operation + " -> " + summary);
                coverage.record(label(operation, summary));
                model.expire(harness.now());
                checkInvariants();
            } catch (AssertionError e) {
                throw failure("step #" + i + " " + operation, e);
            }
        }
        for (TurnTestClient client : clients) {
            if (client.staleNonces() > 0) {
                coverage.record("client followed a 438 with the fresh nonce");
            }
            if (client.signsWithSha256()) {
                coverage.record("client negotiated SHA-256");
            }
        }
        try {
            expireEverything();
        } catch (AssertionError e) {
            throw failure("final expiry (stepwise=" + scenario.stepwiseEnd() + ")", e);
        }
    }

    /** The outcome without its numbers and addresses, e.g. "Allocate error 508" or "PeerDatagram data indication". */
    private static String label(Operation operation, String summary) {
        String kind = summary.startsWith("error") ? summary : summary.replaceAll("/[^ ]*", "").replaceAll("[0-9]+", "N").trim();
        return operation.getClass().getSimpleName() + " " + kind;
    }

    private AssertionError failure(String where, AssertionError cause) {
        return new AssertionError(where + " at t=" + harness.now() + ": " + cause.getMessage()
                + "\nmodel: " + model + "\ntrace:\n  " + String.join("\n  ", trace), cause);
    }

    private String apply(Operation operation) {
        boolean dataPlane = operation instanceof Operation.ChannelDataFromClient || operation instanceof Operation.SendIndication
                || operation instanceof Operation.PeerDatagram || operation instanceof Operation.ProbeAllFlows;
        if (!dataPlane && harness.timeoutOverdue()) {
            // A NOT_YET advance left expiries pending: the driver's timer fires before this operation.
            harness.advanceLateTo(harness.now());
        }
        forgetRetransmitCandidates(operation);
        if (operation instanceof Operation.Allocate allocate) {
            return allocate(allocate);
        } else if (operation instanceof Operation.AllocateWithToken allocate) {
            return allocateWithToken(allocate);
        } else if (operation instanceof Operation.Refresh refresh) {
            return refresh(refresh);
        } else if (operation instanceof Operation.CreatePermission permission) {
            return createPermission(permission);
        } else if (operation instanceof Operation.ChannelBind bind) {
            return channelBind(bind);
        } else if (operation instanceof Operation.ChannelDataFromClient channelData) {
            return channelData(channelData);
        } else if (operation instanceof Operation.SendIndication send) {
            return send(send);
        } else if (operation instanceof Operation.PeerDatagram datagram) {
            return peerDatagram(datagram);
        } else if (operation instanceof Operation.ClientGarbage garbage) {
            return garbage(garbage);
        } else if (operation instanceof Operation.RetransmitAllocate retransmit) {
            return retransmitAllocate(retransmit);
        } else if (operation instanceof Operation.Advance advance) {
            long target = harness.now() + advance.nanos();
            switch (advance.timer()) {
                case ON_TIME -> harness.advanceStepwiseTo(target);
                case LATE -> harness.advanceLateTo(target);
                case NOT_YET -> {
                    harness.advanceWithoutTimeout(target);
                    // Whatever expired meanwhile is still in the server's tables: it must not relay anyway.
                    return "now " + harness.now() + ", " + probeAllFlows();
                }
            }
            return "now " + harness.now();
        } else if (operation instanceof Operation.ProbeAllFlows) {
            return probeAllFlows();
        } else if (operation instanceof Operation.StopAccepting) {
            harness.stopAccepting();
            accepting = false;
            return "stopped accepting";
        } else if (operation instanceof Operation.ReleaseAll) {
            harness.releaseAll();
            List.copyOf(model.allocations()).forEach(allocation -> model.deleteAllocation(allocation.client));
            model.dropReservations();
            return "released all";
        } else if (operation instanceof Operation.AdvanceToDeadline toDeadline) {
            long deadline = harness.server().pollTimeout();
            if (deadline == Long.MAX_VALUE) {
                return "no deadline";
            }
            harness.advanceStepwiseTo(Math.max(harness.now(), deadline + toDeadline.offsetNanos()));
            return "deadline " + deadline + ", now " + harness.now();
        }
        throw new AssertionError("unknown operation " + operation);
    }

    // ---- control plane ----

    private String allocate(Operation.Allocate op) {
        // EVEN-PORT is not modelled with one allocation per username: which ports a replacement frees is beyond the model.
        Operation.EvenPort evenPort = scenario.oneAllocationPerUsername() ? Operation.EvenPort.NONE : op.evenPort();
        TurnTestClient client = client(op.client());
        String user = user(op.client(), op.otherUser());
        long now = harness.now();
        Set<Integer> expected = refusalsBeforeAdmission(client, user);
        if (expected.isEmpty()) {
            if (scenario.oneAllocationPerUsername()) {
                // The user's allocation elsewhere is replaced: its port may be the one that makes room.
                boolean replaces = model.allocationsOwnedBy(user) > 0;
                if (freePorts() == 0) {
                    expected.add(ErrorCode.INSUFFICIENT_CAPACITY);
                }
                if (freePorts() > 0 || replaces) {
                    expected.add(0);
                }
            } else {
                if (model.allocationsOwnedBy(user) >= MAX_ALLOCATIONS_PER_USER) {
                    expected.add(ErrorCode.ALLOCATION_QUOTA_REACHED);
                }
                if (!portAvailable(evenPort)) {
                    expected.add(ErrorCode.INSUFFICIENT_CAPACITY);
                }
                if (expected.isEmpty()) {
                    expected.add(0);
                }
            }
        }
        TurnTestClient.Response response = client.request(harness, StunMethod.ALLOCATE, user, writer -> {
            writer.requestedTransport(TurnTestClient.UDP);
            if (evenPort != Operation.EvenPort.NONE) {
                writer.evenPort(evenPort == Operation.EvenPort.EVEN_AND_RESERVE_NEXT);
            }
            if (op.lifetimeSeconds() != null) {
                writer.lifetime(op.lifetimeSeconds());
            }
            switch (op.families()) {
                case IPV4 -> writer.requestedAddressFamily(AddressFamily.IPV4);
                case IPV6 -> writer.requestedAddressFamily(AddressFamily.IPV6);
                case DUAL -> writer.additionalAddressFamily(AddressFamily.IPV6);
                case DEFAULT -> { }
            }
        });
        int code = response.code();
        boolean gaveUpOnTakenPorts = code == ErrorCode.INSUFFICIENT_CAPACITY && response.bindFailures() > 0;
        check(expected.contains(code) || gaveUpOnTakenPorts && expected.contains(0),
                "Allocate by " + user + " got " + code + ", expected one of " + expected + " (free ports " + freePorts() + ")");
        if (code != 0) {
            return "error " + code;
        }
        StunMessage message = response.message();
        Set<AddressFamily> families = switch (op.families()) {
            case DEFAULT, IPV4 -> EnumSet.of(AddressFamily.IPV4);
            case IPV6 -> EnumSet.of(AddressFamily.IPV6);
            case DUAL -> EnumSet.of(AddressFamily.IPV4, AddressFamily.IPV6);
        };
        List<InetSocketAddress> relayed = message.xorRelayedAddresses();
        check(relayed.size() == families.size(), "Allocate for " + families + " got relayed addresses " + relayed);
        int port = relayed.get(0).getPort();
        for (InetSocketAddress address : relayed) {
            AddressFamily family = AddressFamily.of(address.getAddress());
            check(families.contains(family), "relayed address " + address + " of a family not asked for");
            check(address.getAddress().equals(family == AddressFamily.IPV4 ? RELAY_IPV4 : RELAY_IPV6),
                    "relayed address " + address + " is not the configured public address");
            check(address.getPort() == port, "dual-stack allocation on two ports: " + relayed);
        }
        check(port >= LOWEST_PORT && port < LOWEST_PORT + scenario.portRangeSize(), "relay port " + port + " outside the range");
        check(!portsHeldByOtherProcesses.contains(port), "relay port " + port + " is held by another process");
        check(client.address().equals(message.xorMappedAddress()),
                "XOR-MAPPED-ADDRESS " + message.xorMappedAddress() + " is not the client " + client.address());
        long lifetime = grantedLifetime(message, op.lifetimeSeconds());
        check(lifetime > 0, "Allocate granted lifetime 0");
        List<InetSocketAddress> replaced = List.of();
        if (scenario.oneAllocationPerUsername()) {
            replaced = model.allocations().stream()
                    .filter(allocation -> allocation.owner.equals(user))
                    .map(allocation -> allocation.client)
                    .toList();
            replaced.forEach(model::deleteAllocation);
        }
        model.addAllocation(new RelayModel.Allocation(client.address(), user, port, families, now + lifetime * SECOND));
        String reservation = "";
        if (evenPort != Operation.EvenPort.NONE) {
            check(port % 2 == 0, "EVEN-PORT allocation on odd port " + port);
        }
        if (evenPort == Operation.EvenPort.EVEN_AND_RESERVE_NEXT) {
            check(message.reservationToken().isPresent(), "EVEN-PORT with R=1 answered without RESERVATION-TOKEN");
            long token = message.reservationToken().getAsLong();
            model.reserve(token, port + 1, now + harness.config().reservationLifetime().toNanos(), families);
            tokens.add(token);
            reservation = " reserving next";
        } else {
            check(message.reservationToken().isEmpty(), "RESERVATION-TOKEN without EVEN-PORT R=1");
        }
        retransmitCandidates.put(client.address(), new AllocateSent(client.lastRequest(), now, port));
        return "port " + port + " lifetime " + lifetime + (replaced.isEmpty() ? "" : " replacing") + reservation;
    }

    /**
     * The codes any Allocate from {@code client} gets before the server looks at what it asks for: 437 from a
     * 5-tuple that already has an allocation (or 441 with another user's credentials), 508 once the server stops
     * accepting. Empty when the request gets that far; callers add the request-specific outcomes to it.
     */
    private Set<Integer> refusalsBeforeAdmission(TurnTestClient client, String user) {
        Set<Integer> expected = new TreeSet<>();
        RelayModel.Allocation existing = model.allocationOf(client.address());
        if (existing != null) {
            expected.add(ErrorCode.ALLOCATION_MISMATCH);
            if (!existing.owner.equals(user)) {
                expected.add(ErrorCode.WRONG_CREDENTIALS);
            }
        } else if (!accepting) {
            expected.add(ErrorCode.INSUFFICIENT_CAPACITY);
        }
        return expected;
    }

    private String allocateWithToken(Operation.AllocateWithToken op) {
        if (scenario.oneAllocationPerUsername()) {
            // Not modelled: which of the user's ports a replacement frees is beyond this model (see allocate).
            return "not modelled with one allocation per username";
        }
        TurnTestClient client = client(op.client());
        String user = user(op.client(), op.otherUser());
        long now = harness.now();
        long token = op.token() < 0 || tokens.isEmpty() ? UNKNOWN_TOKEN : tokens.get(tokens.size() - 1 - op.token() % tokens.size());
        int reservedPort = model.reservedPort(token);
        Set<Integer> expected = refusalsBeforeAdmission(client, user);
        if (expected.isEmpty()) {
            if (model.allocationsOwnedBy(user) >= MAX_ALLOCATIONS_PER_USER) {
                expected.add(ErrorCode.ALLOCATION_QUOTA_REACHED);
            }
            if (reservedPort < 0) {
                // RFC 8656 leaves the code for an unknown or lapsed token open.
                expected.add(ErrorCode.INSUFFICIENT_CAPACITY);
                expected.add(ErrorCode.BAD_REQUEST);
            }
            if (expected.isEmpty()) {
                expected.add(0);
            }
        }
        TurnTestClient.Response response = client.request(harness, StunMethod.ALLOCATE, user,
                writer -> writer.requestedTransport(TurnTestClient.UDP).reservationToken(token));
        int code = response.code();
        boolean reservedPortTaken = code == ErrorCode.INSUFFICIENT_CAPACITY && response.bindFailures() > 0;
        check(expected.contains(code) || reservedPortTaken && expected.contains(0), "Allocate with "
                + (reservedPort < 0 ? "an unknown" : "a live") + " token by " + user + " got " + code + ", expected one of " + expected);
        if (reservedPortTaken) {
            model.useReservation(token);
        }
        if (code != 0) {
            return "error " + code;
        }
        List<InetSocketAddress> relayed = response.message().xorRelayedAddresses();
        Set<AddressFamily> families = model.reservedFamilies(token);
        check(relayed.size() == families.size() && relayed.stream().allMatch(a -> a.getPort() == reservedPort)
                        && relayed.stream().allMatch(a -> families.contains(AddressFamily.of(a.getAddress()))),
                "Allocate with the token for port " + reservedPort + " and families " + families + " got " + relayed);
        check(client.address().equals(response.message().xorMappedAddress()), "wrong XOR-MAPPED-ADDRESS");
        long lifetime = grantedLifetime(response.message(), null);
        model.useReservation(token);
        model.addAllocation(new RelayModel.Allocation(client.address(), user, reservedPort, EnumSet.copyOf(families),
                now + lifetime * SECOND));
        return "reserved port";
    }

    private String refresh(Operation.Refresh op) {
        TurnTestClient client = client(op.client());
        String user = user(op.client(), op.otherUser());
        long now = harness.now();
        RelayModel.Allocation existing = model.allocationOf(client.address());
        Set<Integer> expected = new TreeSet<>();
        if (existing == null) {
            expected.add(ErrorCode.ALLOCATION_MISMATCH);
        } else if (!existing.owner.equals(user)) {
            expected.add(ErrorCode.WRONG_CREDENTIALS);
        } else {
            expected.add(0);
        }
        TurnTestClient.Response response = client.request(harness, StunMethod.REFRESH, user, writer -> {
            if (op.lifetimeSeconds() != null) {
                writer.lifetime(op.lifetimeSeconds());
            }
        });
        int code = response.code();
        check(expected.contains(code), "Refresh by " + user + " got " + code + ", expected one of " + expected);
        if (code != 0) {
            return "error " + code;
        }
        long lifetime = grantedLifetime(response.message(), op.lifetimeSeconds());
        if (lifetime == 0) {
            model.deleteAllocation(client.address());
            return "deleted";
        }
        existing.expiresAt = now + lifetime * SECOND;
        return "lifetime " + lifetime;
    }

    /** Checks LIFETIME against RFC 8656 §7.2 (or the Firezone variant without a lower bound) and returns it. */
    private long grantedLifetime(StunMessage response, @Nullable Long requested) {
        check(response.lifetime().isPresent(), "success response without LIFETIME");
        long granted = response.lifetime().getAsLong();
        TurnServerConfig config = harness.config();
        long defaultSeconds = config.defaultLifetime().toSeconds();
        long maxSeconds = config.maxLifetime().toSeconds();
        if (requested == null) {
            check(granted == defaultSeconds, "no LIFETIME asked, granted " + granted);
        } else if (requested == 0) {
            check(granted == 0, "LIFETIME 0 asked, granted " + granted);
        } else {
            long capped = Math.min(requested, maxSeconds);
            check(granted == capped || granted == Math.max(capped, defaultSeconds),
                    "LIFETIME " + requested + " asked, granted " + granted);
        }
        return granted;
    }

    private String createPermission(Operation.CreatePermission op) {
        TurnTestClient client = client(op.client());
        String user = user(op.client(), op.otherUser());
        long now = harness.now();
        RelayModel.Allocation allocation = model.allocationOf(client.address());
        Set<Integer> expected = new TreeSet<>();
        for (int peer : op.peers()) {
            if (FORBIDDEN_PEERS.contains(peer)) {
                expected.add(ErrorCode.FORBIDDEN);
            }
        }
        if (allocation == null) {
            expected.add(ErrorCode.ALLOCATION_MISMATCH);
        } else {
            if (!allocation.owner.equals(user)) {
                expected.add(ErrorCode.WRONG_CREDENTIALS);
            }
            for (int peer : op.peers()) {
                if (!allocation.families.contains(AddressFamily.of(PEERS.get(peer).getAddress()))) {
                    expected.add(ErrorCode.PEER_ADDRESS_FAMILY_MISMATCH);
                }
            }
        }
        if (expected.isEmpty()) {
            expected.add(0);
        }
        TurnTestClient.Response response = client.request(harness, StunMethod.CREATE_PERMISSION, user, writer -> {
            for (int peer : op.peers()) {
                writer.xorPeerAddress(PEERS.get(peer));
            }
        });
        int code = response.code();
        check(expected.contains(code), "CreatePermission by " + user + " got " + code + ", expected one of " + expected);
        if (code == 0) {
            for (int peer : op.peers()) {
                model.installPermission(allocation, PEERS.get(peer).getAddress(), now);
            }
        }
        return code == 0 ? "installed" : "error " + code;
    }

    private String channelBind(Operation.ChannelBind op) {
        TurnTestClient client = client(op.client());
        String user = user(op.client(), op.otherUser());
        InetSocketAddress peer = PEERS.get(op.peer());
        long now = harness.now();
        RelayModel.Allocation allocation = model.allocationOf(client.address());
        Set<Integer> expected = new TreeSet<>();
        if (op.channelNumber() < 0x4000 || op.channelNumber() > (scenario.rfc5766ChannelNumbers() ? 0x7FFF : 0x4FFF)) {
            expected.add(ErrorCode.BAD_REQUEST);
        }
        if (FORBIDDEN_PEERS.contains(op.peer())) {
            expected.add(ErrorCode.FORBIDDEN);
        }
        if (allocation == null) {
            expected.add(ErrorCode.ALLOCATION_MISMATCH);
        } else {
            if (!allocation.owner.equals(user)) {
                expected.add(ErrorCode.WRONG_CREDENTIALS);
            }
            if (!allocation.families.contains(AddressFamily.of(peer.getAddress()))) {
                expected.add(ErrorCode.PEER_ADDRESS_FAMILY_MISMATCH);
            }
            RelayModel.Channel reserving = allocation.reservingChannel(op.channelNumber(), peer, now);
            if (reserving != null && !(reserving.number == op.channelNumber() && reserving.peer.equals(peer))) {
                expected.add(ErrorCode.BAD_REQUEST);
            }
        }
        if (expected.isEmpty()) {
            expected.add(0);
        }
        TurnTestClient.Response response = client.request(harness, StunMethod.CHANNEL_BIND, user,
                writer -> writer.channelNumber(op.channelNumber()).xorPeerAddress(peer));
        int code = response.code();
        check(expected.contains(code), "ChannelBind by " + user + " got " + code + ", expected one of " + expected);
        if (code == 0) {
            model.bindChannel(allocation, op.channelNumber(), peer, now);
            return op.channelNumber() > 0x4FFF ? "bound in the RFC 5766 range" : "bound";
        }
        return "error " + code;
    }

    /** A successful Allocate a client may still retransmit. */
    private record AllocateSent(byte[] request, long sentAt, int port) {}

    private final Map<InetSocketAddress, AllocateSent> retransmitCandidates = new HashMap<>();

    /** Any other message from a client makes its Allocate no longer "the last request". */
    private void forgetRetransmitCandidates(Operation operation) {
        int client = -1;
        if (operation instanceof Operation.Allocate op) {
            client = op.client();
        } else if (operation instanceof Operation.AllocateWithToken op) {
            client = op.client();
        } else if (operation instanceof Operation.Refresh op) {
            client = op.client();
        } else if (operation instanceof Operation.CreatePermission op) {
            client = op.client();
        } else if (operation instanceof Operation.ChannelBind op) {
            client = op.client();
        } else if (operation instanceof Operation.ChannelDataFromClient op) {
            client = op.client();
        } else if (operation instanceof Operation.SendIndication op) {
            client = op.client();
        } else if (operation instanceof Operation.ClientGarbage op) {
            client = op.client();
        }
        if (client >= 0) {
            retransmitCandidates.remove(client(client).address());
        }
    }

    private String retransmitAllocate(Operation.RetransmitAllocate op) {
        TurnTestClient client = client(op.client());
        AllocateSent sent = retransmitCandidates.get(client.address());
        long now = harness.now();
        RelayModel.Allocation allocation = model.allocationOf(client.address());
        // Real retransmissions stop after about 40 s (RFC 8489 §6.2.1); later ones would meet a stale nonce.
        if (sent == null || allocation == null || allocation.port != sent.port() || now - sent.sentAt() > 30 * SECOND) {
            return "nothing to retransmit";
        }
        ServerHarness.Outcome outcome = harness.fromClient(client.address(), sent.request());
        check(outcome.action() == RelayAction.HANDLED, "retransmitted Allocate gave " + outcome.action());
        check(outcome.sentToClients().size() == 1, "retransmitted Allocate got " + outcome.sentToClients().size() + " messages");
        StunMessage request = TurnTestClient.parse(sent.request());
        StunMessage response = TurnTestClient.parse(outcome.sentToClients().get(0).message());
        check(response.transactionId().equals(request.transactionId()), "answer with another transaction id");
        check(response.messageClass() == StunClass.SUCCESS_RESPONSE,
                "retransmitted Allocate got " + response.messageClass() + " " + response.errorCode() + " instead of the original success");
        check(response.xorRelayedAddresses().stream().allMatch(address -> address.getPort() == sent.port()),
                "retransmitted Allocate names relay addresses " + response.xorRelayedAddresses() + ", the allocation is on " + sent.port());
        return "same success again";
    }

    // ---- data plane ----

    private String channelData(Operation.ChannelDataFromClient op) {
        TurnTestClient client = client(op.client());
        byte[] payload = payload(op.payloadLength(), op.channelNumber());
        long now = harness.now();
        RelayModel.Allocation allocation = model.allocationOf(client.address());
        RelayModel.Channel channel = allocation == null ? null : allocation.liveChannel(op.channelNumber(), now);
        ServerHarness.Outcome outcome = client.channelData(harness, op.channelNumber(), payload, op.padded());
        if (channel == null) {
            check(outcome.action() == RelayAction.DROP, "ChannelData on an unbound channel gave " + outcome.action());
            return "dropped";
        }
        boolean permitted = allocation.hasPermission(channel.peer.getAddress(), now);
        if (outcome.action() == RelayAction.DROP && !permitted) {
            return "dropped (channel live, permission expired)";
        }
        checkForwardToPeer(outcome, allocation, channel.peer, payload);
        return "forwarded to " + channel.peer;
    }

    private String send(Operation.SendIndication op) {
        TurnTestClient client = client(op.client());
        InetSocketAddress peer = PEERS.get(op.peer());
        byte[] payload = payload(op.payloadLength(), op.peer());
        RelayModel.Allocation allocation = model.allocationOf(client.address());
        boolean permitted = allocation != null && allocation.hasPermission(peer.getAddress(), harness.now());
        ServerHarness.Outcome outcome = client.send(harness, peer, payload, op.dontFragment());
        if (!permitted) {
            check(outcome.action() == RelayAction.DROP, "Send without a permission gave " + outcome.action());
            return "dropped";
        }
        checkForwardToPeer(outcome, allocation, peer, payload);
        return "forwarded";
    }

    private String peerDatagram(Operation.PeerDatagram op) {
        InetSocketAddress peer = PEERS.get(op.peer());
        List<Integer> held = new ArrayList<>(model.heldPorts());
        int port = op.toHeldPort() && !held.isEmpty()
                ? held.get(op.portSlot() % held.size())
                : LOWEST_PORT + op.portSlot() % scenario.portRangeSize();
        byte[] payload = payload(op.payloadLength(), op.portSlot());
        if (op.portSlot() % 2 == 1 && payload.length >= StunMessage.HEADER_LENGTH) {
            // Peers' bytes are opaque: a STUN-looking datagram (here a Binding request header) is relayed as data.
            ByteBuffer.wrap(payload).putShort(0, (short) 0x0001).putShort(2, (short) (payload.length - StunMessage.HEADER_LENGTH))
                    .putInt(4, StunMessage.MAGIC_COOKIE);
        }
        long now = harness.now();
        RelayModel.Allocation allocation = model.allocationOnPort(port, AddressFamily.of(peer.getAddress()));
        ServerHarness.Outcome outcome = harness.fromPeer(peer, port, payload);
        if (allocation == null) {
            checkDropped(outcome, "a peer datagram on port " + port + " without an allocation");
            return "dropped";
        }
        RelayModel.Channel channel = allocation.liveChannelTo(peer, now);
        boolean permitted = allocation.hasPermission(peer.getAddress(), now);
        if (channel != null) {
            if (!permitted && outcome.action() == RelayAction.DROP) {
                checkDropped(outcome, "");
                return "dropped (channel live, permission expired)";
            }
            check(outcome.action() == RelayAction.FORWARD_TO_CLIENT,
                    "peer datagram on bound channel 0x" + Integer.toHexString(channel.number) + " gave " + outcome.action());
            check(outcome.client().equals(allocation.client), "forwarded to " + outcome.client() + " not the owner " + allocation.client);
            check(outcome.channelNumber() == channel.number, "forwarded on channel " + outcome.channelNumber()
                    + " instead of " + channel.number);
            check(Arrays.equals(outcome.payload(), payload), "peer payload changed on the way");
            check(outcome.sentToClients().isEmpty(), "FORWARD_TO_CLIENT also sent " + outcome.sentToClients());
            forwardsToClients++;
            bytesToClients += payload.length;
            return "channel data to client";
        }
        if (!permitted) {
            checkDropped(outcome, "a peer datagram without a permission");
            return "dropped";
        }
        check(outcome.action() == RelayAction.HANDLED, "peer datagram with a permission and no channel gave " + outcome.action());
        check(outcome.sentToClients().size() == 1, "expected one Data indication, got " + outcome.sentToClients());
        TurnCommand.SendToClient send = outcome.sentToClients().get(0);
        check(send.client().remote().equals(allocation.client), "Data indication to " + send.client() + " not the owner " + allocation.client);
        StunMessage indication = TurnTestClient.parse(send.message());
        check(indication.messageClass() == StunClass.INDICATION && indication.method() == StunMethod.DATA,
                "expected a Data indication, got " + indication.messageClass() + " " + StunMethod.name(indication.method()));
        check(List.of(peer).equals(indication.xorPeerAddresses()), "Data indication names peer " + indication.xorPeerAddresses());
        check(indication.hasData(), "Data indication without DATA");
        byte[] data = new byte[indication.dataLength()];
        indication.buffer().get(indication.dataOffset(), data);
        check(Arrays.equals(data, payload), "Data indication payload differs");
        forwardsToClients++;
        bytesToClients += payload.length;
        return "data indication";
    }

    private String garbage(Operation.ClientGarbage op) {
        TurnTestClient client = client(op.client());
        SplittableRandom random = new SplittableRandom(op.seed());
        byte[] bytes = switch (op.kind()) {
            case RANDOM -> randomBytes(random);
            case MUTATED_LAST -> mutated(client.lastRequest(), random);
            case TRUNCATED_LAST -> {
                byte[] last = client.lastRequest();
                yield last.length == 0 ? randomBytes(random) : Arrays.copyOf(last, random.nextInt(last.length));
            }
        };
        ServerHarness.Outcome outcome = harness.fromClient(client.address(), bytes);
        for (TurnCommand.SendToClient send : outcome.sentToClients()) {
            check(send.client().remote().equals(client.address()), "garbage from " + client.address() + " was answered to " + send.client());
        }
        check(outcome.action() != RelayAction.FORWARD_TO_CLIENT, "a client datagram gave FORWARD_TO_CLIENT");
        if (outcome.action() == RelayAction.FORWARD_TO_PEER) {
            RelayModel.Allocation allocation = model.allocationOf(client.address());
            check(allocation != null, "garbage relayed to " + outcome.peer() + " without an allocation");
            long now = harness.now();
            check(allocation.hasPermission(outcome.peer().getAddress(), now) || allocation.liveChannelTo(outcome.peer(), now) != null,
                    "garbage relayed to " + outcome.peer() + " without a permission or channel");
            check(outcome.relayPort() == allocation.port, "relayed from port " + outcome.relayPort() + " not " + allocation.port);
            forwardsToPeers++;
            bytesToPeers += outcome.payload().length;
        }
        return op.kind() + " " + bytes.length + " bytes -> " + outcome.action();
    }

    /**
     * Tries every flow that exists or existed: ChannelData on each usual channel number from every client,
     * and a datagram from every peer to every port an allocation holds (in the model or per the server's
     * announcements), each judged by the model.
     */
    private String probeAllFlows() {
        model.expire(harness.now());
        int probes = 0;
        for (int client = 0; client < clients.size(); client++) {
            for (int channel : new int[] {0x4000, 0x4001, 0x4002, 0x4FFF}) {
                channelData(new Operation.ChannelDataFromClient(client, channel, 8, false));
                probes++;
            }
        }
        Set<Integer> ports = new TreeSet<>(model.heldPorts());
        ports.addAll(harness.announcedAllocations().values());
        for (int port : ports) {
            for (int peer = 0; peer < PEERS.size(); peer++) {
                peerDatagram(new Operation.PeerDatagram(peer, port - LOWEST_PORT, 8, false));
                probes++;
            }
        }
        return probes + " probes";
    }

    private void checkForwardToPeer(ServerHarness.Outcome outcome, RelayModel.Allocation allocation, InetSocketAddress peer,
            byte[] payload) {
        check(outcome.action() == RelayAction.FORWARD_TO_PEER, "expected FORWARD_TO_PEER to " + peer + ", got " + outcome.action());
        check(outcome.relayPort() == allocation.port, "relayed from port " + outcome.relayPort() + " not " + allocation.port);
        check(outcome.peer().equals(peer), "relayed to " + outcome.peer() + " instead of " + peer);
        check(Arrays.equals(outcome.payload(), payload), "relayed payload differs from what the client sent");
        forwardsToPeers++;
        bytesToPeers += payload.length;
    }

    private static void checkDropped(ServerHarness.Outcome outcome, String what) {
        check(outcome.action() == RelayAction.DROP, what + " gave " + outcome.action());
        check(outcome.sentToClients().isEmpty(), what + " sent " + outcome.sentToClients());
    }

    // ---- invariants ----

    private void checkInvariants() {
        long now = harness.now();
        if (harness.timeoutOverdue()) {
            // Expired state legitimately lingers until the timer fires; only relaying had to respect expiry.
            return;
        }
        check(harness.openSockets().equals(model.expectedSockets()),
                "open relay sockets " + harness.openSockets() + " but live allocations hold " + model.expectedSockets());
        Map<InetSocketAddress, Integer> expectedAllocations = new HashMap<>();
        model.allocations().forEach(allocation -> expectedAllocations.put(allocation.client, allocation.port));
        check(harness.announcedAllocations().equals(expectedAllocations),
                "AllocationCreated/Deleted say " + harness.announcedAllocations() + " but the model has " + expectedAllocations);
        check(harness.announcedChannels().equals(model.liveChannelMap(now)),
                "ChannelBound/Unbound say " + harness.announcedChannels() + " but the model has " + model.liveChannelMap(now));
        TurnStats stats = harness.server().stats();
        check(stats.allocations() == model.allocations().size(),
                "stats().allocations() " + stats.allocations() + ", model " + model.allocations().size());
        check(stats.permissions() == model.livePermissions(now),
                "stats().permissions() " + stats.permissions() + ", model " + model.livePermissions(now));
        check(stats.channels() == model.liveChannels(now), "stats().channels() " + stats.channels() + ", model " + model.liveChannels(now));
        check(stats.packetsClientToPeer() == forwardsToPeers,
                "stats().packetsClientToPeer() " + stats.packetsClientToPeer() + ", forwarded " + forwardsToPeers);
        check(stats.bytesClientToPeer() == bytesToPeers, "stats().bytesClientToPeer() " + stats.bytesClientToPeer() + ", forwarded " + bytesToPeers);
        check(stats.packetsPeerToClient() == forwardsToClients,
                "stats().packetsPeerToClient() " + stats.packetsPeerToClient() + ", relayed " + forwardsToClients);
        check(stats.bytesPeerToClient() == bytesToClients,
                "stats().bytesPeerToClient() " + stats.bytesPeerToClient() + ", relayed " + bytesToClients);
        long deadline = harness.server().pollTimeout();
        check(deadline > now, "pollTimeout() " + deadline + " is not after now " + now);
        long nextExpiry = model.nextExpiry(now);
        check(deadline <= nextExpiry, "pollTimeout() " + deadline + " is after the next expiry " + nextExpiry);
    }

    private void expireEverything() {
        long target = harness.now() + Duration.ofHours(3).toNanos();
        if (scenario.stepwiseEnd()) {
            harness.advanceStepwiseTo(target);
        } else {
            harness.advanceLateTo(target);
        }
        model.expire(harness.now());
        check(model.allocations().isEmpty(), "the model kept allocations past every lifetime: " + model);
        check(harness.openSockets().isEmpty(), "relay sockets still open: " + harness.openSockets());
        check(harness.announcedAllocations().isEmpty(), "allocations never announced deleted: " + harness.announcedAllocations());
        check(harness.announcedChannels().isEmpty(), "channels never announced unbound: " + harness.announcedChannels());
        TurnStats stats = harness.server().stats();
        check(stats.allocations() == 0 && stats.permissions() == 0 && stats.channels() == 0,
                "stats after every lifetime: allocations " + stats.allocations() + ", permissions " + stats.permissions()
                        + ", channels " + stats.channels());
        check(harness.server().pollTimeout() == Long.MAX_VALUE,
                "pollTimeout() is " + harness.server().pollTimeout() + " with nothing left to expire (now " + harness.now() + ")");
        check(ServerProbe.ledgerAllocations(harness.server()) == 0,
                "the ledger still counts " + ServerProbe.ledgerAllocations(harness.server()) + " allocations after every lifetime");
    }

    // ---- helpers ----

    private int freePorts() {
        int free = 0;
        for (int port = LOWEST_PORT; port < LOWEST_PORT + scenario.portRangeSize(); port++) {
            if (!taken(port) && !portsHeldByOtherProcesses.contains(port)) {
                free++;
            }
        }
        return free;
    }

    /** Held by an allocation or a reservation. */
    private boolean taken(int port) {
        return model.heldPorts().contains(port) || model.reservedPorts().contains(port);
    }

    /**
     * Whether a port fit for the request is free. A port another process holds can be reserved (nothing
     * binds it until the token is used) but not bound.
     */
    private boolean portAvailable(Operation.EvenPort evenPort) {
        int highest = LOWEST_PORT + scenario.portRangeSize() - 1;
        for (int port = LOWEST_PORT; port <= highest; port++) {
            if (taken(port) || portsHeldByOtherProcesses.contains(port)) {
                continue;
            }
            boolean fits = switch (evenPort) {
                case NONE -> true;
                case EVEN -> port % 2 == 0;
                case EVEN_AND_RESERVE_NEXT -> port % 2 == 0 && port < highest && !taken(port + 1);
            };
            if (fits) {
                return true;
            }
        }
        return false;
    }

    private TurnTestClient client(int index) {
        return clients.get(index % clients.size());
    }

    private String user(int clientIndex, boolean otherUser) {
        int own = clientIndex % clients.size() % USERS.size();
        return USERS.get(otherUser ? 1 - own : own);
    }

    private static byte[] payload(int length, int salt) {
        byte[] payload = new byte[length];
        for (int i = 0; i < length; i++) {
            payload[i] = (byte) (salt * 31 + i * 7);
        }
        return payload;
    }

    private static byte[] randomBytes(SplittableRandom random) {
        byte[] bytes = new byte[random.nextInt(0, 64)];
        random.nextBytes(bytes);
        if (bytes.length > 0) {
            // Aim at the classifier's interesting first bytes: STUN, ChannelData, and their edges.
            int[] firsts = {0x00, 0x01, 0x3F, 0x40, 0x4F, 0x50, 0x7F, 0x80, 0xFF};
            bytes[0] = (byte) firsts[random.nextInt(firsts.length)];
        }
        if (bytes.length >= 8 && random.nextBoolean()) {
            bytes[4] = 0x21;
            bytes[5] = 0x12;
            bytes[6] = (byte) 0xA4;
            bytes[7] = 0x42;
        }
        return bytes;
    }

    private static byte[] mutated(byte[] original, SplittableRandom random) {
        if (original.length == 0) {
            return randomBytes(random);
        }
        byte[] bytes = original.clone();
        // Distinct positions, so two flips never cancel into an exact replay (a replay may legitimately change state).
        int flips = Math.min(bytes.length, random.nextInt(1, 4));
        Set<Integer> positions = new TreeSet<>();
        while (positions.size() < flips) {
            positions.add(random.nextInt(bytes.length));
        }
        for (int position : positions) {
            bytes[position] ^= (byte) random.nextInt(1, 256);
        }
        return bytes;
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }
}
