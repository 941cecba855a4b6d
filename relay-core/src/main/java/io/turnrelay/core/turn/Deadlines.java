package io.turnrelay.core.turn;

import java.util.Comparator;
import java.util.PriorityQueue;
import org.jspecify.annotations.Nullable;

/**
 * A priority queue of deadlines with lazy deletion. Each object keeps at most one live entry: when its
 * deadline moves later (a refresh), the entry stays and is pushed back when it comes up, so refreshes
 * cost nothing here; when it moves earlier, a new entry supersedes the old one.
 */
final class Deadlines {
    private record Entry(long at, Timed target) {}

    private final PriorityQueue<Entry> queue = new PriorityQueue<>(Comparator.comparingLong(Entry::at));

    /** Makes sure {@code target} is looked at no later than its {@link Timed#deadline()}. */
    void schedule(Timed target) {
        long deadline = target.deadline();
        if (target.scheduledAt != Timed.NOT_SCHEDULED && target.scheduledAt <= deadline) {
            return;
        }
        target.scheduledAt = deadline;
        queue.add(new Entry(deadline, target));
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
