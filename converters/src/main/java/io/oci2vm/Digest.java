package io.oci2vm;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A content digest such as {@code sha256:4f0c...}. Only sha256 is accepted, as OCI registries
 * require it for interoperability; construction rejects anything malformed.
 */
public record Digest(String algorithm, String hex) {
  private static final Pattern SHA256_HEX = Pattern.compile("[a-f0-9]{64}");

  /** Validates the parts. */
  public Digest {
    if (!"sha256".equals(algorithm)) {
      throw new Oci2vmException(
          ErrorCode.MALFORMED_MANIFEST, "unsupported digest algorithm '" + algorithm + "'");
    }
    if (hex == null || !SHA256_HEX.matcher(hex).matches()) {
      throw new Oci2vmException(
          ErrorCode.MALFORMED_MANIFEST, "malformed sha256 digest '" + hex + "'");
    }
  }

  /** Parses {@code sha256:HEX}. */
  public static Digest parse(String digest) {
    if (digest == null) {
      throw new Oci2vmException(ErrorCode.MALFORMED_MANIFEST, "missing digest");
    }
    int colon = digest.indexOf(':');
    if (colon < 0) {
      throw new Oci2vmException(ErrorCode.MALFORMED_MANIFEST, "malformed digest '" + digest + "'");
    }
    return new Digest(digest.substring(0, colon), digest.substring(colon + 1));
  }

  /** Whether the string is a well-formed sha256 digest. */
  public static boolean isDigest(String s) {
    return s != null && s.startsWith("sha256:") && SHA256_HEX.matcher(s.substring(7)).matches();
  }

  /** The sha256 digest of the bytes. */
  public static Digest of(byte[] bytes) {
    return fromBytes(newSha256().digest(bytes));
  }

  /** The sha256 digest of a file's content. */
  public static Digest ofFile(java.nio.file.Path file) throws java.io.IOException {
    MessageDigest md = newSha256();
    try (java.io.InputStream in = java.nio.file.Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    }
    return fromBytes(md.digest());
  }

  /** Wraps a raw 32-byte sha256 value. */
  public static Digest fromBytes(byte[] sha256) {
    return new Digest("sha256", HexFormat.of().formatHex(sha256));
  }

  /** A new sha256 {@link MessageDigest}. */
  public static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  @Override
  public String toString() {
    return algorithm + ":" + hex;
  }

  /** The first 12 hex digits, as docker shows them. */
  public String shortHex() {
    return hex.substring(0, 12);
  }
}
