package io.turnrelay.core.relay;

import io.turnrelay.api.events.EventSettings;
import io.turnrelay.api.events.RelayEvent;
import io.turnrelay.api.events.RelayEventListener;
import java.time.Clock;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Carries events from the shards' loop threads to the listeners on one event thread, made by the embedder's
 * {@link EventSettings#threadFactory()}. The queue is bounded and lock-free: {@link #offer} never blocks or waits,
 * and an event that finds it full is dropped and counted; the listeners hear of drops through
 * {@link RelayEvent.EventsDropped}. What a listener throws goes to the event thread's uncaught-exception handler, and
 * the listener stays.
 */
final class EventDispatcher {
    /** How long {@link #stop} lets the listeners take with what is still queued, and again after interrupting them. */
    private static final long STOP_WAIT_MILLIS = 5_000;

    private final List<RelayEventListener> listeners;
    private final int capacity;
    private final Clock clock;
    private final Queue<RelayEvent> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicLong dropped = new AtomicLong();
    private final Thread thread;
    private volatile boolean parked;
    private volatile boolean stopping;
    /** Drops announced to the listeners so far; the event thread's own. */
    private long announced;

    EventDispatcher(EventSettings settings, Clock clock) {
        this.listeners = settings.listeners();
        this.capacity = settings.queueCapacity();
        this.clock = clock;
        Thread made = settings.threadFactory().newThread(this::run);
        if (made == null) {
            throw new IllegalStateException("events: the thread factory made no thread");
        }
        this.thread = made;
    }

    void start() {
        thread.start();
    }

    /** Queues {@code event} for the listeners, or drops and counts it when the queue is full; any thread, never blocks. */
    void offer(RelayEvent event) {
        if (queued.incrementAndGet() > capacity) {
            queued.decrementAndGet();
            dropped.incrementAndGet();
            return;
        }
        queue.add(event);
        if (parked) {
            LockSupport.unpark(thread);
        }
    }

    /** Events dropped so far because the queue was full. */
    long dropped() {
        return dropped.get();
    }

    /**
     * Lets the listeners have what is queued, then ends the event thread: waits for it a few seconds, interrupts it,
     * and waits a few more. From the event thread itself (a listener closing the relay) it only asks it to end.
     */
    void stop() {
        stopping = true;
        LockSupport.unpark(thread);
        if (Thread.currentThread() == thread) {
            return;
        }
        try {
            thread.join(STOP_WAIT_MILLIS);
            if (thread.isAlive()) {
                thread.interrupt();
                thread.join(STOP_WAIT_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        while (true) {
            RelayEvent event = queue.poll();
            if (event == null) {
                announceDrops();
                if (stopping) {
                    return;
                }
                parked = true;
                // An offer between the poll and here saw parked false and did not unpark: look again before parking.
                if (queue.isEmpty() && !stopping) {
                    LockSupport.park(this);
                }
                parked = false;
                if (!stopping) {
                    Thread.interrupted(); // an interrupt from elsewhere must not turn parking into spinning
                }
                continue;
            }
            queued.decrementAndGet();
            announceDrops();
            deliver(event);
        }
    }

    private void announceDrops() {
        long total = dropped.get();
        if (total > announced) {
            long count = total - announced;
            announced = total;
            deliver(new RelayEvent.EventsDropped(clock.instant(), count));
        }
    }

    private void deliver(RelayEvent event) {
        for (RelayEventListener listener : listeners) {
            try {
                listener.onEvent(event);
            } catch (Throwable failure) {
                if (failure instanceof VirtualMachineError error) {
                    throw error;
                }
                report(failure);
            }
        }
    }

    private void report(Throwable failure) {
        try {
            thread.getUncaughtExceptionHandler().uncaughtException(thread, failure);
        } catch (RuntimeException ignored) {
            // A handler that throws has nobody left to tell; delivery goes on.
        }
    }
}
