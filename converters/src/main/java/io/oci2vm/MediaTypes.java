package io.oci2vm;

import java.util.Set;

/** The media types oci2vm reads, OCI and Docker schema 2. */
public final class MediaTypes {
  public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
  public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
  public static final String OCI_LAYER = "application/vnd.oci.image.layer.v1.tar";
  public static final String OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
  public static final String OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";
  public static final String OCI_LAYER_NONDIST_GZIP =
      "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
  public static final String DOCKER_LIST =
      "application/vnd.docker.distribution.manifest.list.v2+json";
  public static final String DOCKER_MANIFEST =
      "application/vnd.docker.distribution.manifest.v2+json";
  public static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
  public static final String DOCKER_LAYER_GZIP =
      "application/vnd.docker.image.rootfs.diff.tar.gzip";
  public static final String DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar";

  /** Manifest-list media types: resolved to one platform's manifest. */
  public static final Set<String> INDEXES = Set.of(OCI_INDEX, DOCKER_LIST);

  /** Single-image manifest media types. */
  public static final Set<String> MANIFESTS = Set.of(OCI_MANIFEST, DOCKER_MANIFEST);

  /** Image config media types. */
  public static final Set<String> CONFIGS = Set.of(OCI_CONFIG, DOCKER_CONFIG);

  /** Layer media types and their compression. */
  public static Compression layerCompression(String mediaType) {
    switch (mediaType) {
      case OCI_LAYER:
      case DOCKER_LAYER:
        return Compression.NONE;
      case OCI_LAYER_GZIP:
      case OCI_LAYER_NONDIST_GZIP:
      case DOCKER_LAYER_GZIP:
        return Compression.GZIP;
      case OCI_LAYER_ZSTD:
        return Compression.ZSTD;
      default:
        return null;
    }
  }

  /** How a layer blob is compressed. */
  public enum Compression {
    NONE,
    GZIP,
    ZSTD
  }

  private MediaTypes() {}
}
