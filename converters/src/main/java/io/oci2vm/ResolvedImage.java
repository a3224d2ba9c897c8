package io.oci2vm;

import java.util.List;
import java.util.Objects;

/**
 * An image resolved to one platform, with its manifest and config verified.
 *
 * @param source where it came from, as the user named it
 * @param platform the platform of the chosen manifest (from the config)
 * @param indexDigest digest of the manifest list or index it was chosen from, or null
 * @param manifestDigest digest of the image manifest
 * @param manifestMediaType media type of the image manifest
 * @param manifestSynthesized true when the source has no manifest of its own (docker-archive) and
 *     oci2vm derived one from its config and layers
 * @param configDigest digest of the config blob
 * @param config the runtime parts of the config
 * @param layers the layers, bottom first
 */
public record ResolvedImage(
    String source,
    Platform platform,
    Digest indexDigest,
    Digest manifestDigest,
    String manifestMediaType,
    boolean manifestSynthesized,
    Digest configDigest,
    ImageConfig config,
    List<Layer> layers) {

  /** Copies the layer list. */
  public ResolvedImage {
    Objects.requireNonNull(source, "source was not specified");
    Objects.requireNonNull(platform, "platform was not specified");
    Objects.requireNonNull(manifestDigest, "manifestDigest was not specified");
    Objects.requireNonNull(config, "config was not specified");
    layers = List.copyOf(layers);
  }

  /** Sum of the layer blobs' sizes as stored (compressed). */
  public long compressedSize() {
    return layers.stream().mapToLong(l -> l.blob().size()).sum();
  }
}
