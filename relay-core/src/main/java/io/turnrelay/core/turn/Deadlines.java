package io.turnrelay.core.turn;

import java.util.Comparator;
import java.util.PriorityQueue;
import org.jspecify.annotations.Nullable;

/**
 * A priority queue of deadlines with lazy deletion. Each object keeps at most one live entry: when its
 * deadline moves later (a refresh), the entry stays and is pushed back when it comes up, so refreshes
 * cost nothing here; when it moves earlier, a new entry supersedes the old one. Entries of removed objects are
 * dropped when they come up, or earlier when the queue has grown to twice what it held after the last sweep:
 * otherwise a deleted allocation (and through its client link a closed connection's TLS engine) would stay
 * reachable until its old expiry, and churning connections would fill the heap.
 */
final class Deadlines {
    private static final int MIN_SWEEP_SIZE = 1024;

    private record Entry(long at, Timed target) {}

    private PriorityQueue<Entry> queue = new PriorityQueue<>(Comparator.comparingLong(Entry::at));
    private int sweepAt = MIN_SWEEP_SIZE;

    /** Makes sure {@code target} is looked at no later than its {@link Timed#deadline()}. */
    void schedule(Timed target) {
        long deadline = target.deadline();
        if (target.scheduledAt != Timed.NOT_SCHEDULED && target.scheduledAt <= deadline) {
            return;
        }
        target.scheduledAt = deadline;
        queue.add(new Entry(deadline, target));
        if (queue.size() >= sweepAt) {
            dropStaleEntries();
        }
    }

    /** Keeps only the live entries; amortised over the schedules that grew the queue to twice its size. */
    private void dropStaleEntries() {
        PriorityQueue<Entry> live = new PriorityQueue<>(Math.max(16, queue.size() / 2), queue.comparator());
        for (Entry entry : queue) {
            if (!entry.target().removed && entry.target().scheduledAt == entry.at()) {
                live.add(entry);
            }
        }
        queue = live;
        sweepAt = Math.max(MIN_SWEEP_SIZE, 2 * live.size());
    }

    /** The earliest real deadline, or {@link Long#MAX_VALUE}; drops stale entries and re-files postponed ones. */
    long next() {
        Entry head;
        while ((head = queue.peek()) != null) {
            Timed target = head.target();
            if (target.removed || target.scheduledAt != head.at()) {
                queue.poll();
                continue;
            }
            long deadline = target.deadline();
            if (deadline > head.at()) {
                queue.poll();
                target.scheduledAt = deadline;
                queue.add(new Entry(deadline, target));
                continue;
            }
            return head.at();
        }
        return Long.MAX_VALUE;
    }

    /** The next object whose deadline is {@code <= now}, unscheduled; or null. */
    @Nullable Timed pollDue(long now) {
        if (next() > now) {
            return null;
        }
        Entry head = queue.poll();
        if (head == null) {
            return null;
        }
        head.target().scheduledAt = Timed.NOT_SCHEDULED;
        return head.target();
    }

    int size() {
        return queue.size();
    }
}
