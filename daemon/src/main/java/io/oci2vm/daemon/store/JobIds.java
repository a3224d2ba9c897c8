package io.oci2vm.daemon.store;

import java.security.SecureRandom;
import java.util.regex.Pattern;

/**
 * Job ids: a zero-padded creation time in milliseconds, a dash and a random suffix, e.g. {@code
 * 0001718000000000-k3j9x2ab7q}. Fixed width, so sorting the strings sorts by creation time (which
 * keyset pagination relies on); URL-safe; the suffix keeps ids from two daemons apart.
 */
final class JobIds {
  /** What an id may contain: also what makes it a safe directory name. */
  static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  private static final char[] ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz".toCharArray();
  private static final SecureRandom RANDOM = new SecureRandom();
  private static long last;

  private JobIds() {}

  /**
   * A new id. Within this process ids strictly increase even inside one millisecond (the time part
   * runs ahead by at most the burst size), so "newest first" is exact for one daemon.
   */
  static synchronized String next() {
    last = Math.max(System.currentTimeMillis(), last + 1);
    StringBuilder sb = new StringBuilder(27);
    sb.append(String.format("%016d", last)).append('-');
    for (int i = 0; i < 10; i++) {
      sb.append(ALPHABET[RANDOM.nextInt(ALPHABET.length)]);
    }
    return sb.toString();
  }

  /** Whether {@code id} is safe as a path name and in SQL/URLs. */
  static boolean safe(String id) {
    return id != null && SAFE.matcher(id).matches();
  }
}
