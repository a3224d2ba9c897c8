package io.oci2vm.daemon.hooks;

/**
 * The check for senders that can neither sign nor add headers (Docker Hub, Quay): a secret in the
 * URL's {@code token} query parameter. It is weaker than a header or a signature because URLs end
 * up in proxy and access logs; use HTTPS and keep such logs private.
 */
final class QueryToken {
  /** The query parameter that carries the secret. */
  static final String PARAMETER = "token";

  private QueryToken() {}

  static void check(HookSource source, String setting, String expected, Delivery delivery) {
    if (!Secrets.isSet(expected)) {
      throw SourceParser.notConfigured(source, setting);
    }
    String presented = delivery.query(PARAMETER);
    if (presented == null) {
      throw HookException.unauthorized(
          source.id() + " webhook URL has no ?token= parameter; add the configured " + setting);
    }
    if (!Secrets.matches(expected, presented)) {
      throw HookException.unauthorized(
          source.id() + " webhook URL's ?token= does not match the configured " + setting);
    }
  }
}
