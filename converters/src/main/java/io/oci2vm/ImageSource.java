package io.oci2vm;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where an image comes from, named with skopeo's prefixes: a registry (the default, or {@code
 * docker://}), {@code docker-daemon:REF}, {@code docker-archive:PATH[:REF]}, {@code oci:DIR[:TAG]}
 * or {@code oci-archive:PATH[:TAG]}.
 */
public sealed interface ImageSource {

  /** Parses a source string as the command line accepts it. */
  static ImageSource parse(String source) {
    if (source == null || source.isBlank()) {
      throw new Oci2vmException(ErrorCode.BAD_SOURCE, "empty image source");
    }
    if (source.startsWith("docker://")) {
      return registry(source.substring("docker://".length()));
    }
    if (source.startsWith("docker-daemon:")) {
      String ref = source.substring("docker-daemon:".length());
      if (ref.isBlank()) {
        throw new Oci2vmException(
            ErrorCode.BAD_SOURCE, "docker-daemon: needs an image, e.g. docker-daemon:nginx:1.27");
      }
      return new DockerDaemon(ref);
    }
    if (source.startsWith("docker-archive:")) {
      String[] pathAndRef = splitPathAndName(source.substring("docker-archive:".length()), source);
      return new DockerArchive(Path.of(pathAndRef[0]), pathAndRef[1]);
    }
    if (source.startsWith("oci:")) {
      String[] pathAndTag = splitPathAndName(source.substring("oci:".length()), source);
      return new OciLayout(Path.of(pathAndTag[0]), pathAndTag[1]);
    }
    if (source.startsWith("oci-archive:")) {
      String[] pathAndTag = splitPathAndName(source.substring("oci-archive:".length()), source);
      return new OciArchive(Path.of(pathAndTag[0]), pathAndTag[1]);
    }
    int colon = source.indexOf(':');
    int slash = source.indexOf('/');
    if (colon > 0
        && (slash < 0 || colon < slash)
        && source.substring(0, colon).matches("[a-z-]+")) {
      String prefix = source.substring(0, colon);
      // "nginx:1.27" and "localhost:5000/x" are references; "ftp:x" and "dir:x" are not sources.
      boolean looksLikeTag = slash < 0 && !source.substring(colon + 1).contains(":");
      if (!looksLikeTag && !prefix.equals("localhost")) {
        throw new Oci2vmException(
            ErrorCode.BAD_SOURCE,
            "unknown source prefix '"
                + prefix
                + ":' (use docker://, docker-daemon:, docker-archive:, oci: or oci-archive:)");
      }
    }
    return registry(source);
  }

  /** An image in a registry, e.g. {@code nginx:1.27} or {@code ghcr.io/org/app@sha256:...}. */
  static Registry registry(String reference) {
    return new Registry(ImageReference.parse(reference));
  }

  /** An image in the local Docker engine, found through DOCKER_HOST. */
  static DockerDaemon dockerDaemon(String reference) {
    return new DockerDaemon(reference);
  }

  /** A {@code docker save} tar; {@code reference} picks one of several images, or null. */
  static DockerArchive dockerArchive(Path path, String reference) {
    return new DockerArchive(path, reference);
  }

  /** An OCI image layout directory; {@code tag} may be null when it holds one image. */
  static OciLayout ociLayout(Path dir, String tag) {
    return new OciLayout(dir, tag);
  }

  /** A tar of an OCI image layout; {@code tag} may be null when it holds one image. */
  static OciArchive ociArchive(Path path, String tag) {
    return new OciArchive(path, tag);
  }

  /** A registry image. */
  record Registry(ImageReference reference) implements ImageSource {
    /** Validates the reference. */
    public Registry {
      Objects.requireNonNull(reference, "reference was not specified");
    }

    @Override
    public String toString() {
      return reference.toString();
    }
  }

  /** An image the local Docker engine holds. */
  record DockerDaemon(String reference) implements ImageSource {
    /** Validates the reference. */
    public DockerDaemon {
      Objects.requireNonNull(reference, "reference was not specified");
    }

    @Override
    public String toString() {
      return "docker-daemon:" + reference;
    }
  }

  /** A docker-archive tar. */
  record DockerArchive(Path path, String reference) implements ImageSource {
    /** Validates the path. */
    public DockerArchive {
      Objects.requireNonNull(path, "path was not specified");
    }

    @Override
    public String toString() {
      return "docker-archive:" + path + (reference == null ? "" : ":" + reference);
    }
  }

  /** An OCI layout directory. */
  record OciLayout(Path dir, String tag) implements ImageSource {
    /** Validates the directory. */
    public OciLayout {
      Objects.requireNonNull(dir, "dir was not specified");
    }

    @Override
    public String toString() {
      return "oci:" + dir + (tag == null ? "" : ":" + tag);
    }
  }

  /** An OCI layout tar. */
  record OciArchive(Path path, String tag) implements ImageSource {
    /** Validates the path. */
    public OciArchive {
      Objects.requireNonNull(path, "path was not specified");
    }

    @Override
    public String toString() {
      return "oci-archive:" + path + (tag == null ? "" : ":" + tag);
    }
  }

  /**
   * Splits {@code PATH[:NAME]}. A colon followed by something that cannot be part of a path
   * component we would write (no '/') is a name; "dir:tag" and "out.tar:app:v1" both work.
   */
  private static String[] splitPathAndName(String rest, String source) {
    if (rest.isEmpty()) {
      throw new Oci2vmException(ErrorCode.BAD_SOURCE, "'" + source + "' names no path");
    }
    int colon = rest.indexOf(':');
    if (colon < 0) {
      return new String[] {rest, null};
    }
    String path = rest.substring(0, colon);
    String name = rest.substring(colon + 1);
    if (path.isEmpty() || name.isEmpty()) {
      throw new Oci2vmException(ErrorCode.BAD_SOURCE, "'" + source + "' has an empty path or name");
    }
    return new String[] {path, name};
  }
}
