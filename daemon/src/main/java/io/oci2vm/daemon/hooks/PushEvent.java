package io.oci2vm.daemon.hooks;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One pushed tag, normalised across sources. Every part is checked against the image reference
 * grammar on construction, so {@link #imageReference()} is always a well-formed reference and a
 * payload cannot smuggle anything else into a job.
 *
 * @param source the {@link HookSource#id()} of the webhook that reported the push
 * @param registry host[:port] as an image reference needs it; null for Docker Hub (docker.io)
 * @param repository the repository path, e.g. team/app
 * @param tag the pushed tag; null only for a push by digest
 * @param digest the manifest (or index) digest, or null when the source does not report it
 */
public record PushEvent(
    String source, String registry, String repository, String tag, String digest) {
  /** Docker Hub's registry name in image references. */
  public static final String DOCKER_HUB = "docker.io";

  private static final Pattern REGISTRY =
      Pattern.compile(
          "(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
              + "|\\[[0-9A-Fa-f:.]+\\])(?::[0-9]{1,5})?");
  private static final String COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
  private static final Pattern REPOSITORY = Pattern.compile(COMPONENT + "(?:/" + COMPONENT + ")*");
  private static final Pattern TAG = Pattern.compile("\\w[\\w.-]{0,127}");
  private static final Pattern DIGEST =
      Pattern.compile("[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}");

  /** Checks every part against the reference grammar. */
  public PushEvent {
    Objects.requireNonNull(source, "source was not specified");
    Objects.requireNonNull(repository, "repository was not specified");
    if (registry != null && !REGISTRY.matcher(registry).matches()) {
      throw new IllegalArgumentException(
          "registry '" + HookException.printable(registry) + "' is not a host[:port]");
    }
    if (repository.length() > 255 || !REPOSITORY.matcher(repository).matches()) {
      throw new IllegalArgumentException(
          "repository '"
              + HookException.printable(repository)
              + "' is not a valid repository name (lower-case path components)");
    }
    if (tag != null && !TAG.matcher(tag).matches()) {
      throw new IllegalArgumentException(
          "tag '" + HookException.printable(tag) + "' is not a valid tag");
    }
    if (digest != null && !DIGEST.matcher(digest).matches()) {
      throw new IllegalArgumentException(
          "digest '" + HookException.printable(digest) + "' is not a valid digest");
    }
    if (tag == null && digest == null) {
      throw new IllegalArgumentException("a push event needs a tag or a digest");
    }
  }

  /**
   * The image as {@code oci2vm convert} takes it: {@code registry/repository:tag}, or {@code
   * registry/repository@digest} when there is no tag; {@code docker.io} stands for a null registry.
   */
  public String imageReference() {
    return tag != null ? name() + ":" + tag : name() + "@" + digest;
  }

  /**
   * The image pinned to exactly what was pushed: {@code registry/repository@digest} when the digest
   * is known, otherwise {@link #imageReference()}.
   */
  public String pinnedReference() {
    return digest != null ? name() + "@" + digest : imageReference();
  }

  private String name() {
    return (registry == null ? DOCKER_HUB : registry) + "/" + repository;
  }
}
