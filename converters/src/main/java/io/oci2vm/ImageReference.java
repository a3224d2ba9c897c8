package io.oci2vm;

import java.util.regex.Pattern;

/**
 * A registry image reference, normalised as Docker does: {@code nginx} is {@code
 * docker.io/library/nginx:latest}. At most one of tag and digest is null; when a reference names
 * both, the digest wins for pulling and the tag is kept for display.
 */
public record ImageReference(String registry, String repository, String tag, Digest digest) {
  /** The registry Docker Hub short names resolve to. */
  public static final String DOCKER_HUB = "docker.io";

  private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
  private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
  private static final Pattern REGISTRY =
      Pattern.compile("(?:[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?");

  /** Validates the parts. */
  public ImageReference {
    if (registry == null || !REGISTRY.matcher(registry).matches()) {
      throw bad(registry + "/" + repository, "bad registry host '" + registry + "'");
    }
    if (repository == null || repository.isEmpty()) {
      throw bad(String.valueOf(repository), "missing repository");
    }
    for (String component : repository.split("/", -1)) {
      if (!COMPONENT.matcher(component).matches()) {
        throw bad(
            repository,
            "repository component '"
                + component
                + "' must be lowercase letters, digits and separators");
      }
    }
    if (tag != null && !TAG.matcher(tag).matches()) {
      throw bad(repository + ":" + tag, "bad tag '" + tag + "'");
    }
    if (tag == null && digest == null) {
      tag = "latest";
    }
  }

  /**
   * Parses a reference such as {@code nginx}, {@code nginx:1.27}, {@code
   * ghcr.io/org/app@sha256:...} or {@code 127.0.0.1:5000/app:v1}.
   */
  public static ImageReference parse(String reference) {
    if (reference == null || reference.isBlank()) {
      throw bad(String.valueOf(reference), "empty image reference");
    }
    String rest = reference;
    Digest digest = null;
    int at = rest.indexOf('@');
    if (at >= 0) {
      String d = rest.substring(at + 1);
      if (!Digest.isDigest(d)) {
        throw bad(reference, "'" + d + "' is not a sha256 digest (sha256: and 64 hex digits)");
      }
      digest = Digest.parse(d);
      rest = rest.substring(0, at);
    }
    String tag = null;
    int lastSlash = rest.lastIndexOf('/');
    int colon = rest.lastIndexOf(':');
    if (colon > lastSlash) {
      tag = rest.substring(colon + 1);
      rest = rest.substring(0, colon);
    }
    String registry;
    String repository;
    int firstSlash = rest.indexOf('/');
    String first = firstSlash < 0 ? null : rest.substring(0, firstSlash);
    if (first != null
        && (first.contains(".") || first.contains(":") || first.equals("localhost"))) {
      registry = first;
      repository = rest.substring(firstSlash + 1);
    } else {
      registry = DOCKER_HUB;
      repository = rest;
    }
    if ("index.docker.io".equals(registry) || "registry-1.docker.io".equals(registry)) {
      registry = DOCKER_HUB;
    }
    if (DOCKER_HUB.equals(registry) && !repository.contains("/")) {
      repository = "library/" + repository;
    }
    return new ImageReference(registry, repository, tag, digest);
  }

  /** The tag or digest to ask the registry for: the digest when there is one. */
  public String qualifier() {
    return digest != null ? digest.toString() : tag;
  }

  /** Whether the registry host is on loopback, where plain HTTP is allowed by default. */
  public boolean isLoopbackRegistry() {
    String host = registry;
    if (host.startsWith("[")) {
      host = host.substring(1, host.indexOf(']'));
      return host.equals("::1");
    }
    int colon = host.indexOf(':');
    if (colon >= 0) {
      host = host.substring(0, colon);
    }
    return host.equals("localhost") || host.startsWith("127.");
  }

  @Override
  public String toString() {
    return registry
        + "/"
        + repository
        + (tag != null ? ":" + tag : "")
        + (digest != null ? "@" + digest : "");
  }

  private static Oci2vmException bad(String reference, String why) {
    return new Oci2vmException(
        ErrorCode.BAD_REFERENCE,
        "invalid image reference '"
            + reference
            + "': "
            + why
            + " (expected [registry/]repository[:tag][@sha256:digest])");
  }
}
