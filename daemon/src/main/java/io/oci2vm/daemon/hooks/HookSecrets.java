package io.oci2vm.daemon.hooks;

/**
 * Per-source secrets from the daemon configuration. A source whose secret is null or blank refuses
 * every delivery with 401: there is no unauthenticated mode. {@link #toString()} hides the values
 * so the configuration can be logged.
 *
 * @param distributionToken the token a distribution registry sends as {@code Authorization: Bearer
 *     <token>} (set in its {@code notifications.endpoints[].headers})
 * @param harborAuthHeader the "Auth Header" value of the Harbor webhook, compared with the whole
 *     {@code Authorization} header
 * @param githubSecret the webhook secret GitHub signs bodies with ({@code X-Hub-Signature-256})
 * @param dockerhubToken the value Docker Hub must send as {@code ?token=} in the webhook URL
 * @param quayToken the value Quay must send as {@code ?token=} in the webhook URL
 */
public record HookSecrets(
    String distributionToken,
    String harborAuthHeader,
    String githubSecret,
    String dockerhubToken,
    String quayToken) {

  /** Names which secrets are set, never their values. */
  @Override
  public String toString() {
    return "HookSecrets[distributionToken="
        + mark(distributionToken)
        + ", harborAuthHeader="
        + mark(harborAuthHeader)
        + ", githubSecret="
        + mark(githubSecret)
        + ", dockerhubToken="
        + mark(dockerhubToken)
        + ", quayToken="
        + mark(quayToken)
        + "]";
  }

  private static String mark(String secret) {
    return secret == null || secret.isBlank() ? "<unset>" : "<set>";
  }
}
