package io.oci2vm;

import java.util.Objects;

/**
 * An OCI content descriptor: what a manifest says about a blob it points at. The size is checked
 * against what is actually read, and the digest against its hash.
 */
public record Descriptor(String mediaType, Digest digest, long size, Platform platform) {
  /** Validates the parts. */
  public Descriptor {
    Objects.requireNonNull(mediaType, "mediaType was not specified");
    Objects.requireNonNull(digest, "digest was not specified");
    if (size < 0) {
      throw new Oci2vmException(
          ErrorCode.MALFORMED_MANIFEST, "negative size " + size + " for blob " + digest);
    }
  }

  /** A descriptor without a platform. */
  public static Descriptor of(String mediaType, Digest digest, long size) {
    return new Descriptor(mediaType, digest, size, null);
  }
}
