package io.turnrelay.cli.portal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The portal URL, Phoenix frames and Retry-After, each on its own. */
class PortalProtocolPartsTest {

    static PortalSettings settings(String apiUrl) {
        return new PortalSettings(URI.create(apiUrl), "token", "a&b=c", null, "::1", 3478, "00", "ua",
                PortalSettings.PRODUCTION);
    }

    @Test
    void mapsSchemesToWebsocketSchemes() {
        assertThat(PortalUrl.websocketUri(settings("http://portal.example")).getScheme()).isEqualTo("ws");
        assertThat(PortalUrl.websocketUri(settings("ws://portal.example")).getScheme()).isEqualTo("ws");
        assertThat(PortalUrl.websocketUri(settings("https://portal.example")).getScheme()).isEqualTo("wss");
        assertThat(PortalUrl.websocketUri(settings("WSS://portal.example")).getScheme()).isEqualTo("wss");
        assertThatThrownBy(() -> PortalUrl.websocketUri(settings("ftp://portal.example")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PortalUrl.websocketUri(settings("portal.example")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void keepsTheBasePathAndPortAndEncodesTheQuery() {
        URI uri = PortalUrl.websocketUri(settings("https://portal.example:8443/api/"));

        assertThat(uri.toString())
                .isEqualTo("wss://portal.example:8443/api/relay/websocket?name=a%26b%3Dc&ipv6=%3A%3A1&port=3478");
        assertThat(uri.getQuery()).isEqualTo("name=a&b=c&ipv6=::1&port=3478");
    }

    @Test
    void phoenixMessagesRoundTripAndRefsBecomeStrings() throws Exception {
        PhoenixMessage join = new PhoenixMessage("relay", "phx_join", Map.of("stamp_secret", "ab"), "0");
        assertThat(join.toJson())
                .isEqualTo("{\"topic\":\"relay\",\"event\":\"phx_join\",\"payload\":{\"stamp_secret\":\"ab\"},\"ref\":\"0\"}");
        assertThat(PhoenixMessage.parse(join.toJson())).isEqualTo(join);

        PhoenixMessage reply = PhoenixMessage.parse(
                "{\"topic\":\"relay\",\"event\":\"phx_reply\",\"ref\":0,\"payload\":{\"status\":\"error\","
                        + "\"response\":{\"reason\":\"unmatched topic\"}}}");
        assertThat(reply.ref()).isEqualTo("0");
        assertThat(reply.payloadString("status")).isEqualTo("error");
        assertThat(reply.responseString("reason")).isEqualTo("unmatched topic");

        PhoenixMessage push = PhoenixMessage.parse("{\"topic\":\"relay\",\"event\":\"init\",\"payload\":{},\"ref\":null}");
        assertThat(push.ref()).isNull();
        assertThat(push.responseString("reason")).isNull();
    }

    @Test
    void malformedFramesAreRejected() {
        for (String frame : new String[] {"", "nope", "[]", "{\"topic\":1,\"event\":\"x\"}",
                "{\"topic\":\"t\",\"event\":\"e\",\"payload\":[]}", "{\"topic\":\"t\",\"event\":\"e\",\"ref\":{}}"}) {
            assertThatThrownBy(() -> PhoenixMessage.parse(frame))
                    .as(frame).isInstanceOf(PhoenixMessage.MalformedMessageException.class);
        }
    }

    @Test
    void readsRetryAfterSecondsAndDates() {
        Instant now = Instant.parse("2026-01-02T03:04:05Z");
        assertThat(RetryAfter.parse("1", now)).isEqualTo(Duration.ofSeconds(1));
        assertThat(RetryAfter.parse(" 120 ", now)).isEqualTo(Duration.ofSeconds(120));
        assertThat(RetryAfter.parse("Fri, 02 Jan 2026 03:04:35 GMT", now)).isEqualTo(Duration.ofSeconds(30));
        assertThat(RetryAfter.parse("Fri, 02 Jan 2026 03:00:00 GMT", now)).isEqualTo(Duration.ZERO);
        assertThat(RetryAfter.parse("99999999999999999999", now)).isEqualTo(RetryAfter.LONGEST);
        assertThat(RetryAfter.parse("soon", now)).isNull();
        assertThat(RetryAfter.parse(null, now)).isNull();
    }
}
