package io.oci2vm.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class BackoffTest {
  static final Duration INITIAL = Duration.ofMillis(500);
  static final Duration MAX = Duration.ofSeconds(10);

  @Test
  void delay_doublesFromTheInitialWait_cappedAtTheMax() {
    assertEquals(Duration.ofMillis(500), Backoff.delay(INITIAL, MAX, 1, null));
    assertEquals(Duration.ofMillis(1000), Backoff.delay(INITIAL, MAX, 2, null));
    assertEquals(Duration.ofMillis(2000), Backoff.delay(INITIAL, MAX, 3, null));
    assertEquals(Duration.ofMillis(8000), Backoff.delay(INITIAL, MAX, 5, null));
    assertEquals(MAX, Backoff.delay(INITIAL, MAX, 6, null));
    assertEquals(MAX, Backoff.delay(INITIAL, MAX, 1000, null), "no overflow");
    assertEquals(MAX, Backoff.delay(Duration.ofDays(365_000), MAX, 40, null));
  }

  @Test
  void delay_retryAfter_replacesTheBackoffButNotTheCap() {
    assertEquals(Duration.ofSeconds(3), Backoff.delay(INITIAL, MAX, 1, Duration.ofSeconds(3)));
    assertEquals(Duration.ZERO, Backoff.delay(INITIAL, MAX, 4, Duration.ZERO));
    assertEquals(MAX, Backoff.delay(INITIAL, MAX, 1, Duration.ofSeconds(120)));
  }

  @Test
  void retryAfter_secondsOrHttpDate() {
    Instant now = Instant.parse("2025-01-02T03:04:05Z");
    assertEquals(Duration.ofSeconds(10), Backoff.retryAfter("10", now));
    assertEquals(Duration.ofSeconds(7), Backoff.retryAfter(" 7 ", now));
    assertEquals(Duration.ZERO, Backoff.retryAfter("0", now));
    assertEquals(Duration.ofSeconds(55), Backoff.retryAfter("Thu, 02 Jan 2025 03:05:00 GMT", now));
    assertEquals(Duration.ZERO, Backoff.retryAfter("Wed, 01 Jan 2025 00:00:00 GMT", now));
  }

  @Test
  void retryAfter_absentOrUnreadable_isNull() {
    Instant now = Instant.now();
    assertNull(Backoff.retryAfter(null, now));
    assertNull(Backoff.retryAfter("", now));
    assertNull(Backoff.retryAfter("soon", now));
    assertNull(Backoff.retryAfter("-5", now));
    assertNull(Backoff.retryAfter("1.5", now));
    assertNull(Backoff.retryAfter("99999999999999999999999", now));
  }
}
