package io.oci2vm;

import java.util.Objects;

/**
 * One layer of an image: the blob as stored and the digest of its uncompressed tar (the config's
 * diff_id), which is also the key of the uncompressed-layer cache.
 */
public record Layer(Descriptor blob, Digest diffId) {
  /** Validates the parts. */
  public Layer {
    Objects.requireNonNull(blob, "blob was not specified");
    Objects.requireNonNull(diffId, "diffId was not specified");
  }
}
