package io.turnrelay.cli;

/** A setting the relay cannot run with; the message starts with the option at fault. Exit status 2. */
final class ConfigurationException extends Exception {
    private static final long serialVersionUID = 1L;

    ConfigurationException(String option, String problem) {
        super(option + ": " + problem);
    }

    ConfigurationException(String option, String problem, Throwable cause) {
        super(option + ": " + problem, cause);
    }

    /**
     * Rewrites a relay-api message ("listenPort: ...", "portRange: ...") so it names the command-line option
     * instead of the builder setting.
     */
    static ConfigurationException fromRelaySetting(String message, Throwable cause) {
        if (message.startsWith(LISTENER)) {
            return fromListener(message, cause);
        }
        int colon = message.indexOf(':');
        String setting = colon < 0 ? "" : message.substring(0, colon);
        String option = switch (setting) {
            case "listenPort" -> "--listen-port";
            case "portRange lowest" -> "--lowest-port";
            case "portRange highest" -> "--highest-port";
            case "portRange" -> "--lowest-port/--highest-port";
            case "bindIpv4" -> "--bind-ip4-addr";
            case "bindIpv6" -> "--bind-ip6-addr";
            case "publicIpv4" -> "--public-ip4-addr";
            case "publicIpv6" -> "--public-ip6-addr";
            case "publicIpv4/publicIpv6" -> "--public-ip4-addr/--public-ip6-addr";
            case "workers" -> "--workers";
            case "maxAllocationsPerUser" -> "--user-quota";
            case "maxAllocations" -> "--total-quota";
            case "maxBps" -> "--max-bps";
            case "bpsCapacity" -> "--bps-capacity";
            case "realm" -> "--realm";
            case "transport" -> "--transport";
            case "listeners" -> "--listen-port";
            default -> "";
        };
        if (option.isEmpty()) {
            return new ConfigurationException("configuration", message, cause);
        }
        return new ConfigurationException(option, message.substring(colon + 1).strip(), cause);
    }

    private static final String LISTENER = "listener ";

    /**
     * "listener tls 0.0.0.0:5349: cannot bind ..." names the option that made the listener: a TLS port, or the
     * listen port for UDP, TCP and TCP with TLS detection. The address holds colons, so the reason starts at
     * the first ": ".
     */
    private static ConfigurationException fromListener(String message, Throwable cause) {
        String rest = message.substring(LISTENER.length());
        int space = rest.indexOf(' ');
        String transport = space < 0 ? "" : rest.substring(0, space);
        String option = transport.equals("tls") ? "--tls-listen-port" : "--listen-port";
        return new ConfigurationException(option, rest.strip(), cause);
    }
}
