package io.turnrelay.cli.portal;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import org.jspecify.annotations.Nullable;

/** Reads an HTTP {@code Retry-After} value: delay seconds or an HTTP date (RFC 9110 §10.2.3). */
final class RetryAfter {

    /** A portal asking for more than this is treated as asking for this, so one header cannot park the relay. */
    static final Duration LONGEST = Duration.ofHours(1);

    private RetryAfter() {}

    /** The delay, or null when the value is absent or unreadable. */
    static @Nullable Duration parse(@Nullable String value, Instant now) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String trimmed = value.trim();
        Duration delay;
        if (trimmed.chars().allMatch(Character::isDigit)) {
            try {
                delay = Duration.ofSeconds(Long.parseLong(trimmed));
            } catch (NumberFormatException e) {
                delay = LONGEST;
            }
        } else {
            try {
                Instant at = ZonedDateTime.parse(trimmed, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                delay = at.isAfter(now) ? Duration.between(now, at) : Duration.ZERO;
            } catch (DateTimeParseException e) {
                return null;
            }
        }
        return delay.compareTo(LONGEST) > 0 ? LONGEST : delay;
    }
}
