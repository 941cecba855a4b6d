package io.turnrelay.core.relay;

import io.turnrelay.api.Relay;
import io.turnrelay.api.RelayConfig;
import io.turnrelay.api.RelayFactory;

/** Makes {@link Relay#create} return a {@link ShardedRelay}; registered with {@link java.util.ServiceLoader}. */
public final class ShardedRelayFactory implements RelayFactory {
    @Override
    public Relay create(RelayConfig config) {
        return ShardedRelay.create(config);
    }
}
