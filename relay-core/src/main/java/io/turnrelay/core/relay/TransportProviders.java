package io.turnrelay.core.relay;

import io.turnrelay.core.spi.TransportProvider;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/** Finds {@link TransportProvider}s on the class path with {@link ServiceLoader}. */
public final class TransportProviders {
    private TransportProviders() {}

    /** Every provider on the class path, best first. */
    public static List<TransportProvider> all() {
        List<TransportProvider> providers = new ArrayList<>();
        ServiceLoader.load(TransportProvider.class, TransportProviders.class.getClassLoader()).forEach(providers::add);
        providers.sort(Comparator.comparingInt(TransportProvider::priority).reversed());
        return providers;
    }

    /**
     * The provider called {@code name}, or the available one with the highest priority when {@code name} is null.
     *
     * @throws IllegalArgumentException naming the transports there are, when none fits
     */
    public static TransportProvider select(@Nullable String name) {
        List<TransportProvider> providers = all();
        for (TransportProvider provider : providers) {
            if ((name == null || provider.name().equals(name)) && provider.isAvailable()) {
                return provider;
            }
        }
        String available = providers.stream().filter(TransportProvider::isAvailable).map(TransportProvider::name).collect(Collectors.joining(", "));
        if (name == null) {
            throw new IllegalArgumentException("transport: none on the class path; add relay-transport-nio or relay-transport-netty");
        }
        throw new IllegalArgumentException("transport: '" + name + "' is not available (available: " + (available.isEmpty() ? "none" : available) + ")");
    }
}
