package io.turnrelay.cli.portal;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Remembers every call, with the thread it came on. */
final class RecordingListener implements PortalListener {
    final List<String> joins = new CopyOnWriteArrayList<>();
    final List<String> disconnects = new CopyOnWriteArrayList<>();
    final List<String> fatals = new CopyOnWriteArrayList<>();

    @Override
    public void onJoined() {
        joins.add(Thread.currentThread().getName());
    }

    @Override
    public void onDisconnected(String reason) {
        disconnects.add(reason);
    }

    @Override
    public void onFatal(String reason) {
        fatals.add(reason);
    }
}
