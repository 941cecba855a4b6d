package io.turnrelay.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.turnrelay.api.ClientTransport;
import io.turnrelay.api.events.AllocationUsage;
import io.turnrelay.api.events.DeleteReason;
import io.turnrelay.api.events.FiveTuple;
import io.turnrelay.api.events.RelayEvent;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class UsageLogTest {
    static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");
    static final RelayEvent.AllocationDeleted DELETED = new RelayEvent.AllocationDeleted(NOW,
            new FiveTuple(ClientTransport.TCP, address("198.51.100.7", 40000), address("0.0.0.0", 3478)), "1733047200:alice", "example.org",
            List.of(address("203.0.113.10", 50000), address("2001:db8::10", 50000)), DeleteReason.EXPIRED,
            new AllocationUsage(3, 1_200, 4, 1_600, Duration.ofMillis(61_500)));

    @Test
    void aDeletedAllocationIsOneUsageLineWithEveryFieldAsTextAndAsKeyValuePairs() {
        List<ILoggingEvent> logged = capture("io.turnrelay.usage", log -> log.onEvent(DELETED));

        assertThat(logged).singleElement().satisfies(event -> {
            assertThat(event.getLevel()).isEqualTo(Level.INFO);
            assertThat(event.getFormattedMessage()).isEqualTo("usage: user=1733047200:alice realm=example.org transport=tcp"
                    + " client=198.51.100.7:40000 relayed=203.0.113.10:50000,[2001:db8:0:0:0:0:0:10]:50000 reason=expired duration_ms=61500"
                    + " packets_to_peer=3 bytes_to_peer=1200 packets_to_client=4 bytes_to_client=1600");
            assertThat(event.getKeyValuePairs()).extracting(pair -> pair.key, pair -> pair.value).startsWith(
                    org.assertj.core.groups.Tuple.tuple("user", "1733047200:alice"), org.assertj.core.groups.Tuple.tuple("realm", "example.org"));
            assertThat(event.getKeyValuePairs()).extracting(pair -> pair.key).containsExactly("user", "realm", "transport", "client",
                    "relayed", "reason", "duration_ms", "packets_to_peer", "bytes_to_peer", "packets_to_client", "bytes_to_client");
            assertThat(event.getKeyValuePairs()).filteredOn(pair -> pair.key.equals("bytes_to_client"))
                    .extracting(pair -> pair.value).containsExactly("1600");
        });
    }

    @Test
    void otherEventsWriteNoUsageLine() {
        List<ILoggingEvent> logged = capture("io.turnrelay.usage", log -> log.onEvent(new RelayEvent.AllocationRefreshed(NOW,
                DELETED.client(), "alice", Duration.ofMinutes(10))));
        assertThat(logged).isEmpty();
    }

    @Test
    void valuesThatWouldBreakKeyValueParsingAreQuoted() {
        assertThat(UsageLog.quotedIfNeeded("alice")).isEqualTo("alice");
        assertThat(UsageLog.quotedIfNeeded("al ice")).isEqualTo("\"al ice\"");
        assertThat(UsageLog.quotedIfNeeded("a=b")).isEqualTo("\"a=b\"");
        assertThat(UsageLog.quotedIfNeeded("say \"hi\"\\")).isEqualTo("\"say \\\"hi\\\"\\\\\"");
        assertThat(UsageLog.quotedIfNeeded("line\nbreak")).isEqualTo("\"line\\u000abreak\"");
        assertThat(UsageLog.quotedIfNeeded("")).isEqualTo("\"\"");
    }

    @Test
    void lostEventsAreWarnedAtOnceThenAtMostOnceAPeriodWithTheCountSinceTheLastWarning() {
        AtomicLong nanos = new AtomicLong(1_000);
        UsageLog log = new UsageLog(nanos::get);
        long period = TimeUnit.SECONDS.toNanos(UsageLog.WARN_PERIOD_SECONDS);

        List<ILoggingEvent> logged = capture(UsageLog.class.getName(), ignored -> {
            log.onEvent(new RelayEvent.EventsDropped(NOW, 5));
            nanos.addAndGet(period - 1);
            log.onEvent(new RelayEvent.EventsDropped(NOW, 2));
            log.onEvent(new RelayEvent.EventsDropped(NOW, 1));
            nanos.addAndGet(1);
            log.onEvent(new RelayEvent.EventsDropped(NOW, 4));
        }, log);

        assertThat(logged).extracting(ILoggingEvent::getLevel).containsOnly(Level.WARN);
        assertThat(logged).extracting(ILoggingEvent::getFormattedMessage)
                .satisfiesExactly(first -> assertThat(first).startsWith("5 relay events were lost"),
                        second -> assertThat(second).startsWith("7 relay events were lost"));
    }

    private static List<ILoggingEvent> capture(String loggerName, Consumer<UsageLog> action) {
        return capture(loggerName, action, new UsageLog(System::nanoTime));
    }

    private static List<ILoggingEvent> capture(String loggerName, Consumer<UsageLog> action, UsageLog log) {
        Logger logger = (Logger) LoggerFactory.getLogger(loggerName);
        Level level = logger.getLevel();
        logger.setLevel(Level.INFO);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try {
            action.accept(log);
        } finally {
            logger.detachAppender(appender);
            logger.setLevel(level);
        }
        return appender.list;
    }

    private static InetSocketAddress address(String ip, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByName(ip), port);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
