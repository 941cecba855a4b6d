package io.turnrelay.cli.portal;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.StringJoiner;
import org.jspecify.annotations.Nullable;

/** The relay's websocket address at the portal, built the way the Firezone relay builds it. */
final class PortalUrl {

    private PortalUrl() {}

    /**
     * {@code <apiUrl>/relay/websocket?name=..&ipv4=..&ipv6=..&port=..} with {@code http|ws -> ws} and
     * {@code https|wss -> wss}; name and addresses only when set. The token never goes into the URL.
     *
     * @throws IllegalArgumentException for any other scheme or a URL without a host
     */
    static URI websocketUri(PortalSettings settings) {
        URI base = settings.apiUrl();
        String scheme = base.getScheme() == null ? "" : base.getScheme().toLowerCase(Locale.ROOT);
        String websocketScheme = switch (scheme) {
            case "http", "ws" -> "ws";
            case "https", "wss" -> "wss";
            default -> throw new IllegalArgumentException(
                    "portal URL must use http, https, ws or wss, not '" + base.getScheme() + "': " + base);
        };
        if (base.getHost() == null) {
            throw new IllegalArgumentException("portal URL has no host: " + base);
        }
        String basePath = base.getRawPath() == null ? "" : base.getRawPath();
        while (basePath.endsWith("/")) {
            basePath = basePath.substring(0, basePath.length() - 1);
        }
        StringJoiner query = new StringJoiner("&");
        addParameter(query, "name", settings.name());
        addParameter(query, "ipv4", settings.publicIpv4());
        addParameter(query, "ipv6", settings.publicIpv6());
        addParameter(query, "port", Integer.toString(settings.listenPort()));
        return URI.create(websocketScheme + "://" + base.getRawAuthority() + basePath + "/relay/websocket?" + query);
    }

    private static void addParameter(StringJoiner query, String name, @Nullable String value) {
        if (value != null && !value.isEmpty()) {
            // URLEncoder does form encoding; a literal '+' would read back as a space, so spell spaces as %20.
            query.add(name + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20"));
        }
    }
}
