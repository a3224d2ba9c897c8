package io.oci2vm;

/**
 * Bounds on untrusted input. The defaults pass real images (the largest public images have a few
 * hundred thousand entries and tens of GiB) while stopping decompression bombs and absurd manifests
 * early.
 *
 * @param maxManifestBytes largest manifest, index or config accepted
 * @param maxEntries most tar entries over all layers
 * @param maxPathLength longest entry path, in bytes
 * @param maxTotalBytes most uncompressed layer bytes over all layers
 */
public record Limits(
    long maxManifestBytes, long maxEntries, int maxPathLength, long maxTotalBytes) {
  /**
   * Defaults: 4 MiB manifests (the distribution registry's own cap), 2M entries, 4 KiB paths, 64
   * GiB.
   */
  public static final Limits DEFAULTS = new Limits(4L << 20, 2_000_000, 4096, 64L << 30);

  /** Validates the bounds. */
  public Limits {
    if (maxManifestBytes <= 0 || maxEntries <= 0 || maxPathLength <= 0 || maxTotalBytes <= 0) {
      throw new Oci2vmException(ErrorCode.BAD_OPTION, "limits must be positive");
    }
  }

  /** A copy with a different manifest limit. */
  public Limits withMaxManifestBytes(long v) {
    return new Limits(v, maxEntries, maxPathLength, maxTotalBytes);
  }

  /** A copy with a different entry limit. */
  public Limits withMaxEntries(long v) {
    return new Limits(maxManifestBytes, v, maxPathLength, maxTotalBytes);
  }

  /** A copy with a different path length limit. */
  public Limits withMaxPathLength(int v) {
    return new Limits(maxManifestBytes, maxEntries, v, maxTotalBytes);
  }

  /** A copy with a different total uncompressed size limit. */
  public Limits withMaxTotalBytes(long v) {
    return new Limits(maxManifestBytes, maxEntries, maxPathLength, v);
  }
}
