package io.turnrelay.api.events;

/**
 * Receives a relay's {@link RelayEvent}s, one at a time and in order, on the relay's event thread (see
 * {@link EventSettings}), never on a thread that relays. The events of one allocation come in the order they
 * happened: created, then refreshed, permission and channel events, then deleted. A slow listener delays only later
 * events; when the queue before it is full, events are dropped, counted, and announced by
 * {@link RelayEvent.EventsDropped}. A listener that throws stays registered: what it threw goes to the event
 * thread's {@link Thread.UncaughtExceptionHandler}.
 */
@FunctionalInterface
public interface RelayEventListener {
    void onEvent(RelayEvent event);
}
