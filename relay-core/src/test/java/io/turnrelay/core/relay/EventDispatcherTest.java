package io.turnrelay.core.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.turnrelay.api.ClientTransport;
import io.turnrelay.api.events.EventSettings;
import io.turnrelay.api.events.FiveTuple;
import io.turnrelay.api.events.RelayEvent;
import io.turnrelay.api.events.RelayEventListener;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The queue between the relay's workers and the listeners: never blocking, dropping and counting when full, in order. */
class EventDispatcherTest {
    static final Instant NOW = Instant.parse("2026-12-01T00:00:00Z");
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    static final FiveTuple TUPLE = new FiveTuple(ClientTransport.UDP, new InetSocketAddress("127.0.0.1", 40000),
            new InetSocketAddress("127.0.0.1", 3478));

    final List<RelayEvent> delivered = new CopyOnWriteArrayList<>();
    final AtomicReference<Thread> eventThread = new AtomicReference<>();
    final List<EventDispatcher> started = new ArrayList<>();

    @AfterEach
    void stopAll() {
        started.forEach(EventDispatcher::stop);
    }

    private EventDispatcher start(int capacity, RelayEventListener... listeners) {
        EventSettings settings = EventSettings.to(listeners).withQueueCapacity(capacity).withThreadFactory(task -> {
            Thread thread = new Thread(task, "test-events");
            eventThread.set(thread);
            return thread;
        });
        EventDispatcher dispatcher = new EventDispatcher(settings, CLOCK);
        dispatcher.start();
        started.add(dispatcher);
        return dispatcher;
    }

    /** Event number {@code n} of producer {@code producer}. */
    private static RelayEvent event(String producer, long n) {
        return new RelayEvent.AllocationRefreshed(NOW, TUPLE, producer, Duration.ofSeconds(n));
    }

    @Test
    void aFullQueueDropsAndCountsAndTheListenersHearHowManyBeforeTheNextEvent() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        EventDispatcher dispatcher = start(3, event -> {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            delivered.add(event);
        });
        dispatcher.offer(event("p", 0));
        assertThat(entered.await(5, TimeUnit.SECONDS)).as("the listener took the first event").isTrue();

        for (int n = 1; n <= 9; n++) {
            dispatcher.offer(event("p", n)); // three fit behind the busy listener, six do not
        }
        assertThat(dispatcher.dropped()).isEqualTo(6);

        release.countDown();
        await().atMost(Duration.ofSeconds(5)).until(() -> delivered.size() == 5);
        assertThat(delivered).containsExactly(event("p", 0), new RelayEvent.EventsDropped(NOW, 6), event("p", 1), event("p", 2),
                event("p", 3));
        assertThat(dispatcher.dropped()).isEqualTo(6);
    }

    @Test
    void eachProducersEventsArriveInTheOrderItOfferedThem() throws Exception {
        EventDispatcher dispatcher = start(100_000, delivered::add);
        List<Thread> producers = new ArrayList<>();
        for (int p = 0; p < 4; p++) {
            String name = "producer-" + p;
            producers.add(new Thread(() -> {
                for (int n = 0; n < 5_000; n++) {
                    dispatcher.offer(event(name, n));
                }
            }));
        }
        producers.forEach(Thread::start);
        for (Thread producer : producers) {
            producer.join(10_000);
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> delivered.size() == 20_000);
        Map<String, Long> next = new HashMap<>();
        for (RelayEvent event : delivered) {
            RelayEvent.AllocationRefreshed refreshed = (RelayEvent.AllocationRefreshed) event;
            long expected = next.getOrDefault(refreshed.username(), 0L);
            assertThat(refreshed.lifetime().toSeconds()).as("next event of %s", refreshed.username()).isEqualTo(expected);
            next.put(refreshed.username(), expected + 1);
        }
        assertThat(dispatcher.dropped()).isZero();
    }

    @Test
    void stopDeliversWhatIsQueuedThenEndsTheThread() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        EventDispatcher dispatcher = start(10, event -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            delivered.add(event);
        });
        for (int n = 0; n < 5; n++) {
            dispatcher.offer(event("p", n));
        }
        Thread stopper = new Thread(dispatcher::stop);
        stopper.start();
        release.countDown();
        stopper.join(10_000);

        assertThat(delivered).containsExactly(event("p", 0), event("p", 1), event("p", 2), event("p", 3), event("p", 4));
        assertThat(eventThread.get().isAlive()).isFalse();
    }

    @Test
    void aThrowingListenerIsReportedToTheThreadsHandlerAndTheNextListenerStillHearsTheEvent() throws Exception {
        List<Throwable> reported = new CopyOnWriteArrayList<>();
        EventDispatcher dispatcher = start(10, event -> {
            throw new IllegalStateException("bug");
        }, delivered::add);
        eventThread.get().setUncaughtExceptionHandler((thread, failure) -> reported.add(failure));

        dispatcher.offer(event("p", 0));
        dispatcher.offer(event("p", 1));

        await().atMost(Duration.ofSeconds(5)).until(() -> delivered.size() == 2);
        assertThat(reported).hasSize(2).allSatisfy(failure -> assertThat(failure).hasMessage("bug"));
        assertThat(eventThread.get().isAlive()).isTrue();
    }
}
