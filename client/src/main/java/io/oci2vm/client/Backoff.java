package io.oci2vm.client;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/** How long to wait before the next attempt: exponential, capped, and the server's word first. */
final class Backoff {
  static final Duration DEFAULT_INITIAL = Duration.ofMillis(500);
  static final Duration DEFAULT_MAX = Duration.ofSeconds(10);

  private Backoff() {}

  /**
   * The wait after failed attempt number {@code attempt} (1-based): {@code initial * 2^(attempt-1)}
   * or, when the server sent one, {@code retryAfter}; either capped at {@code max}.
   */
  static Duration delay(Duration initial, Duration max, int attempt, Duration retryAfter) {
    if (retryAfter != null) {
      return retryAfter.isNegative() ? Duration.ZERO : min(retryAfter, max);
    }
    int doublings = Math.max(0, Math.min(attempt - 1, 30));
    long ms = initial.toMillis();
    long d = ms > (Long.MAX_VALUE >> doublings) ? Long.MAX_VALUE : ms << doublings;
    return min(Duration.ofMillis(d), max);
  }

  /**
   * A Retry-After header (RFC 9110: delay-seconds or an HTTP-date) as a duration from {@code now};
   * null if absent or unreadable. A date in the past is zero.
   */
  static Duration retryAfter(String header, Instant now) {
    if (header == null || header.isBlank()) {
      return null;
    }
    String h = header.trim();
    if (h.chars().allMatch(Character::isDigit)) {
      try {
        return Duration.ofSeconds(Long.parseLong(h));
      } catch (NumberFormatException e) {
        return null; // absurdly long: ignore it rather than wait forever
      }
    }
    try {
      Instant at = ZonedDateTime.parse(h, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      return at.isBefore(now) ? Duration.ZERO : Duration.between(now, at);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
