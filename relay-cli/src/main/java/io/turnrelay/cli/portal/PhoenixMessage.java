package io.turnrelay.cli.portal;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One Phoenix channels V1 message (object form): {@code {"topic":..,"event":..,"payload":{..},"ref":..}}.
 * Refs are kept as strings whatever the JSON type, so a reply matches its request either way.
 */
record PhoenixMessage(String topic, String event, Map<String, Object> payload, @Nullable String ref) {

    /** A frame that is not a Phoenix V1 message. */
    static final class MalformedMessageException extends Exception {
        private static final long serialVersionUID = 1L;

        MalformedMessageException(String message, @Nullable Throwable cause) {
            super(message, cause);
        }
    }

    String toJson() {
        Map<String, @Nullable Object> object = new LinkedHashMap<>();
        object.put("topic", topic);
        object.put("event", event);
        object.put("payload", payload);
        object.put("ref", ref);
        try {
            return JSON.std.asString(object);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise a Phoenix message", e);
        }
    }

    static PhoenixMessage parse(String text) throws MalformedMessageException {
        Map<String, Object> object;
        try {
            object = JSON.std.mapFrom(text);
        } catch (IOException | RuntimeException e) {
            throw new MalformedMessageException("not a JSON object", e);
        }
        if (object == null) {
            throw new MalformedMessageException("not a JSON object", null);
        }
        Object topic = object.get("topic");
        Object event = object.get("event");
        Object payload = object.get("payload");
        Object ref = object.get("ref");
        if (!(topic instanceof String) || !(event instanceof String)) {
            throw new MalformedMessageException("topic or event missing", null);
        }
        if (payload != null && !(payload instanceof Map)) {
            throw new MalformedMessageException("payload is not an object", null);
        }
        if (ref != null && !(ref instanceof String) && !(ref instanceof Number)) {
            throw new MalformedMessageException("ref is neither a string nor a number", null);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> payloadObject = payload == null ? Map.of() : (Map<String, Object>) payload;
        return new PhoenixMessage((String) topic, (String) event, payloadObject, ref == null ? null : ref.toString());
    }

    /** {@code payload[key]} when it is a string. */
    @Nullable String payloadString(String key) {
        return payload.get(key) instanceof String value ? value : null;
    }

    /** {@code payload.response[key]} when it is a string; where a {@code phx_reply} carries its reason. */
    @Nullable String responseString(String key) {
        return payload.get("response") instanceof Map<?, ?> response && response.get(key) instanceof String value
                ? value
                : null;
    }
}
