package io.turnrelay.core.turn;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DeadlinesTest {
    static final class Item extends Timed {
        long at;

        Item(long at) {
            this.at = at;
        }

        @Override
        long deadline() {
            return at;
        }
    }

    final Deadlines deadlines = new Deadlines();

    @Test
    void dueItemsComeOutInOrderAtOrAfterTheirDeadline() {
        Item late = new Item(30);
        Item early = new Item(10);
        deadlines.schedule(late);
        deadlines.schedule(early);
        assertThat(deadlines.next()).isEqualTo(10);
        assertThat(deadlines.pollDue(9)).isNull();
        assertThat(deadlines.pollDue(10)).isSameAs(early);
        assertThat(deadlines.pollDue(29)).isNull();
        assertThat(deadlines.pollDue(100)).isSameAs(late);
        assertThat(deadlines.next()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void postponedItemsAreRefiledWithoutNewEntriesPerPostponement() {
        Item item = new Item(10);
        deadlines.schedule(item);
        for (int i = 0; i < 100; i++) {
            item.at += 10;
            deadlines.schedule(item);
        }
        assertThat(deadlines.size()).isEqualTo(1);
        assertThat(deadlines.pollDue(500)).isNull();
        assertThat(deadlines.next()).isEqualTo(1010);
        assertThat(deadlines.pollDue(1010)).isSameAs(item);
    }

    @Test
    void anEarlierDeadlineSupersedesTheOldEntry() {
        Item item = new Item(100);
        deadlines.schedule(item);
        item.at = 50;
        deadlines.schedule(item);
        assertThat(deadlines.pollDue(50)).isSameAs(item);
        assertThat(deadlines.pollDue(100)).isNull(); // the stale entry at 100 is skipped
        assertThat(deadlines.size()).isZero();
    }

    @Test
    void removedItemsNeverComeOut() {
        Item item = new Item(10);
        deadlines.schedule(item);
        item.removed = true;
        assertThat(deadlines.pollDue(10)).isNull();
        assertThat(deadlines.next()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void entriesOfRemovedItemsDoNotPileUpWhileNewOnesAreScheduled() {
        Item keeper = new Item(1_000_000);
        deadlines.schedule(keeper);
        for (int i = 0; i < 100_000; i++) {
            Item churned = new Item(500_000 + i);
            deadlines.schedule(churned);
            churned.removed = true; // e.g. a connection's allocation, deleted long before its expiry
        }
        assertThat(deadlines.size()).isLessThan(2 * 1024 + 1);
        assertThat(deadlines.next()).isEqualTo(1_000_000);
        assertThat(deadlines.pollDue(1_000_000)).isSameAs(keeper);
    }

    @Test
    void sweepingKeepsEveryLiveEntryInOrder() {
        java.util.List<Item> live = new java.util.ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            Item item = new Item(10_000 - i);
            deadlines.schedule(item);
            if (i % 3 == 0) {
                live.add(item);
            } else {
                item.removed = true;
            }
        }
        live.sort(java.util.Comparator.comparingLong(Item::deadline));
        for (Item expected : live) {
            assertThat(deadlines.pollDue(Long.MAX_VALUE)).isSameAs(expected);
        }
        assertThat(deadlines.pollDue(Long.MAX_VALUE)).isNull();
    }
}
