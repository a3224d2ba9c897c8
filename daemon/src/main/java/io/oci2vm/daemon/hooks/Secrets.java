package io.oci2vm.daemon.hooks;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** Constant-time comparison of presented credentials with configured ones. */
final class Secrets {
  private Secrets() {}

  /** Whether a secret is configured at all; a blank one counts as unset. */
  static boolean isSet(String secret) {
    return secret != null && !secret.isBlank();
  }

  /**
   * Whether {@code presented} equals {@code expected}. Both are hashed first, so the comparison
   * takes the same time whatever their contents and lengths ({@link MessageDigest#isEqual} alone
   * would still reveal the expected length).
   */
  static boolean matches(String expected, String presented) {
    if (!isSet(expected) || presented == null) {
      return false;
    }
    return MessageDigest.isEqual(sha256(expected), sha256(presented));
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }
}
