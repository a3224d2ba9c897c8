package io.oci2vm.internal.source;

import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.api.RegistryException;
import com.google.cloud.tools.jib.registry.RegistryClient;
import com.google.cloud.tools.jib.registry.credentials.DockerConfigCredentialRetriever;
import io.oci2vm.ErrorCode;
import io.oci2vm.ImageReference;
import io.oci2vm.Oci2vmException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Finds the credentials to send to a registry that asked for some, as {@code docker pull} would:
 * the ones given explicitly, else Docker's {@code config.json} ({@code auths}, {@code credHelpers},
 * {@code credsStore}), else none. Kept apart from {@link RegistryFetcher} because where the
 * credentials came from is part of every authentication error message.
 */
final class RegistryCredentials {
  /** What {@code docker login} writes for Docker Hub, which jib's alias list does not try. */
  private static final String DOCKER_HUB_LOGIN_KEY = "https://index.docker.io/v1/";

  private RegistryCredentials() {}

  /**
   * A credential and, for messages, where it came from.
   *
   * @param credential the credential, or null to stay anonymous
   * @param source e.g. {@code credentials from /root/.docker/config.json}
   */
  record Found(Credential credential, String source) {}

  /**
   * The credentials for {@code reference}'s registry.
   *
   * @throws Oci2vmException with {@link ErrorCode#AUTH_FAILED} if Docker's config cannot be read
   */
  /**
   * A client that carries {@code found}'s credential and has done the registry's auth dance: GET
   * /v2/ and read its challenge; Bearer means fetch a token for the repository (pull, or push and
   * pull) from the realm, sending the credential if any; Basic means send the credential itself.
   */
  static RegistryClient authenticatedClient(
      RegistryClient.Factory factory, Found found, boolean push)
      throws IOException, RegistryException {
    RegistryClient authed = factory.setCredential(found.credential()).newRegistryClient();
    boolean bearer = push ? authed.doPushBearerAuth() : authed.doPullBearerAuth();
    if (!bearer && found.credential() != null && !found.credential().isOAuth2RefreshToken()) {
      authed.configureBasicAuth();
    }
    return authed;
  }

  static Found lookup(
      ImageReference reference, RegistryOptions options, Consumer<LogEvent> jibLogger) {
    if (options.hasCredentials()) {
      return new Found(
          Credential.from(options.username(), options.password()),
          "the user name '" + options.username() + "' given explicitly");
    }
    String registry = reference.registry();
    Path config = options.dockerConfig();
    List<String> names =
        ImageReference.DOCKER_HUB.equals(registry)
            ? List.of(registry, DOCKER_HUB_LOGIN_KEY)
            : List.of(registry);
    for (String name : names) {
      Optional<Credential> found;
      try {
        found = DockerConfigCredentialRetriever.create(name, config).retrieve(jibLogger);
      } catch (IOException | RuntimeException e) {
        throw new Oci2vmException(
            ErrorCode.AUTH_FAILED,
            "cannot read Docker credentials from "
                + config
                + " for registry "
                + registry
                + ": "
                + e.getMessage()
                + "; fix the file or run `docker login "
                + registry
                + "` again",
            e);
      }
      if (found.isPresent()) {
        return new Found(found.get(), "credentials from " + config);
      }
    }
    return new Found(null, "no credentials (none for " + registry + " in " + config + ")");
  }
}
