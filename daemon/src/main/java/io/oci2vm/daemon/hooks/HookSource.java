package io.oci2vm.daemon.hooks;

import java.util.Locale;

/** Where a webhook comes from; the daemon routes {@code /hooks/<source>} to one of these. */
public enum HookSource {
  /** A CNCF distribution registry (docker-registry) with a notifications endpoint. */
  DISTRIBUTION,
  /** Docker Hub repository webhooks. */
  DOCKERHUB,
  /** Harbor project webhooks (HTTP, default payload format). */
  HARBOR,
  /** GitHub "package" events for the GitHub Container Registry (ghcr.io). */
  GITHUB,
  /** Quay repository notifications ("Repository push", webhook POST). */
  QUAY;

  /**
   * The source a URL path segment names.
   *
   * @param pathSegment "distribution", "dockerhub", "harbor", "github" or "quay" (any case)
   * @throws HookException 404 UNKNOWN_SOURCE for anything else
   */
  public static HookSource parse(String pathSegment) {
    if (pathSegment != null) {
      for (HookSource s : values()) {
        if (s.id().equals(pathSegment.toLowerCase(Locale.ROOT))) {
          return s;
        }
      }
    }
    throw HookException.unknownSource(pathSegment);
  }

  /** The lower-case name used in URLs, in {@link PushEvent#source()} and in rules. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }
}
