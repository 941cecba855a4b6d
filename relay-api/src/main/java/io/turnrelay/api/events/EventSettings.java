package io.turnrelay.api.events;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;

/**
 * Who receives a relay's {@link RelayEvent}s, and how. Events go from the relay's workers through one bounded queue
 * to one event thread, which calls every listener in turn; a worker never waits for it: when the queue is full the
 * event is dropped and counted ({@link io.turnrelay.api.RelayStats#eventsDropped()},
 * {@link RelayEvent.EventsDropped}). The relay makes the thread with {@code threadFactory} when it starts (none
 * without listeners), and ends it when it closes, after delivering what its shutdown deleted (waiting at most a
 * few seconds for a slow listener, then interrupting it). Give it a factory of your own to name the thread, set its
 * priority, or route what listeners throw into your logging with a {@link Thread.UncaughtExceptionHandler}.
 *
 * @param queueCapacity events that may wait for the listeners; 16,384 by default (about 3 MB when full)
 * @param threadFactory makes the event thread; by default a non-daemon thread named {@code turnrelay-events}
 */
public record EventSettings(List<RelayEventListener> listeners, int queueCapacity, ThreadFactory threadFactory) {
    public static final int DEFAULT_QUEUE_CAPACITY = 16_384;

    public EventSettings {
        listeners = List.copyOf(listeners);
        Objects.requireNonNull(threadFactory, "threadFactory");
        if (queueCapacity < 1) {
            throw new IllegalArgumentException("queueCapacity: must be at least 1, not " + queueCapacity);
        }
    }

    /** No listeners: the relay makes no event thread and no events. */
    public static EventSettings none() {
        return new EventSettings(List.of(), DEFAULT_QUEUE_CAPACITY, EventSettings::defaultThread);
    }

    /** {@code listeners}, called in this order, with the default queue and thread. */
    public static EventSettings to(RelayEventListener... listeners) {
        return new EventSettings(List.of(listeners), DEFAULT_QUEUE_CAPACITY, EventSettings::defaultThread);
    }

    public EventSettings withQueueCapacity(int capacity) {
        return new EventSettings(listeners, capacity, threadFactory);
    }

    public EventSettings withThreadFactory(ThreadFactory factory) {
        return new EventSettings(listeners, queueCapacity, factory);
    }

    private static Thread defaultThread(Runnable task) {
        Thread thread = new Thread(task, "turnrelay-events");
        thread.setDaemon(false); // whatever the starting thread is: close() ends it
        return thread;
    }
}
