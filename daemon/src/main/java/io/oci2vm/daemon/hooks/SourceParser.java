package io.oci2vm.daemon.hooks;

import java.util.List;

/** Authenticates and parses one source's deliveries. */
interface SourceParser {
  /**
   * The pushes in a delivery; empty for anything that is not a push of a tag.
   *
   * @throws HookException 401 before the body is looked at when the credential is wrong, 400 when
   *     the body is not the source's format
   */
  List<PushEvent> parse(Delivery delivery);

  /** A push event, with a grammar violation in the payload turned into a 400. */
  static PushEvent event(
      HookSource source, String registry, String repository, String tag, String digest) {
    try {
      return new PushEvent(source.id(), registry, repository, tag, digest);
    } catch (IllegalArgumentException e) {
      throw HookException.badWebhook(source.id() + " webhook: " + e.getMessage());
    }
  }

  /** The 401 for a source with no secret configured. */
  static HookException notConfigured(HookSource source, String setting) {
    return HookException.unauthorized(
        source.id()
            + " webhooks are refused: no "
            + setting
            + " is configured; set it in the daemon configuration and in the sender");
  }

  /**
   * The host[:port] of a reference-like URL such as {@code harbor.example/project/app:tag} or
   * {@code quay.io/ns/repo}; a scheme, if any, is dropped.
   */
  static String host(HookSource source, String url, String field) {
    String rest = url.replaceFirst("^[a-zA-Z][a-zA-Z0-9+.-]*://", "");
    int slash = rest.indexOf('/');
    if (slash <= 0) {
      throw HookException.badWebhook(
          source.id() + " webhook's " + field + " has no registry host before the repository");
    }
    return rest.substring(0, slash);
  }
}
