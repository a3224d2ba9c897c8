package io.oci2vm.internal.source;

import io.oci2vm.ErrorCode;
import io.oci2vm.ImageReference;
import io.oci2vm.Limits;
import io.oci2vm.Oci2vmException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * How to reach a registry: which hosts may be spoken to over plain HTTP, where Docker's credentials
 * live, and optional explicit credentials.
 *
 * @param insecureRegistries {@code host[:port]} names that may use plain HTTP or an unverified
 *     certificate, as Docker's {@code --insecure-registry}; loopback registries always may
 * @param dockerConfig Docker's {@code config.json} ({@code auths}, {@code credHelpers}, {@code
 *     credsStore}); null means {@code $DOCKER_CONFIG/config.json} or {@code ~/.docker/config.json}
 * @param username explicit user name, used instead of the Docker config; null for none
 * @param password explicit password or token; set exactly when {@code username} is
 * @param userAgent the {@code User-Agent} header; null means {@link #DEFAULT_USER_AGENT}
 * @param maxManifestBytes the most manifest bytes held in memory; a larger manifest fails with
 *     {@link ErrorCode#MANIFEST_TOO_LARGE} before it is read whole
 */
public record RegistryOptions(
    Set<String> insecureRegistries,
    Path dockerConfig,
    String username,
    String password,
    String userAgent,
    long maxManifestBytes) {
  /** The user agent sent when none is given. */
  public static final String DEFAULT_USER_AGENT = "oci2vm";

  /** Validates and normalises the parts. */
  public RegistryOptions {
    Set<String> hosts = new HashSet<>();
    for (String host : insecureRegistries == null ? Set.<String>of() : insecureRegistries) {
      hosts.add(normaliseHost(host));
    }
    insecureRegistries = Set.copyOf(hosts);
    if (dockerConfig == null) {
      dockerConfig = defaultDockerConfig();
    }
    if ((username == null) != (password == null)) {
      throw new Oci2vmException(
          ErrorCode.BAD_OPTION, "registry credentials need both a user name and a password");
    }
    if (userAgent == null || userAgent.isBlank()) {
      userAgent = DEFAULT_USER_AGENT;
    }
    if (maxManifestBytes <= 0) {
      throw new Oci2vmException(ErrorCode.BAD_OPTION, "maxManifestBytes must be positive");
    }
  }

  /** No insecure registries, the default Docker config, no explicit credentials. */
  public static RegistryOptions defaults() {
    return new RegistryOptions(
        Set.of(), null, null, null, null, Limits.DEFAULTS.maxManifestBytes());
  }

  /** A copy that also allows plain HTTP to these {@code host[:port]} names. */
  public RegistryOptions withInsecureRegistries(Set<String> hosts) {
    return new RegistryOptions(
        hosts, dockerConfig, username, password, userAgent, maxManifestBytes);
  }

  /** A copy that reads credentials from this Docker config file. */
  public RegistryOptions withDockerConfig(Path file) {
    return new RegistryOptions(
        insecureRegistries, file, username, password, userAgent, maxManifestBytes);
  }

  /** A copy with explicit credentials, which take precedence over the Docker config. */
  public RegistryOptions withCredentials(String user, String secret) {
    return new RegistryOptions(
        insecureRegistries, dockerConfig, user, secret, userAgent, maxManifestBytes);
  }

  /** A copy with another {@code User-Agent}. */
  public RegistryOptions withUserAgent(String agent) {
    return new RegistryOptions(
        insecureRegistries, dockerConfig, username, password, agent, maxManifestBytes);
  }

  /** A copy with another in-memory manifest bound. */
  public RegistryOptions withMaxManifestBytes(long bytes) {
    return new RegistryOptions(
        insecureRegistries, dockerConfig, username, password, userAgent, bytes);
  }

  /** Whether explicit credentials were given. */
  public boolean hasCredentials() {
    return username != null;
  }

  /**
   * Whether plain HTTP (and HTTPS without certificate checks) is allowed to {@code registry}: on
   * loopback always, elsewhere only when listed. The match is on the exact {@code host[:port]}, as
   * Docker's {@code insecure-registries}, ignoring case.
   */
  public boolean allowsInsecure(ImageReference reference) {
    return reference.isLoopbackRegistry()
        || insecureRegistries.contains(reference.registry().toLowerCase(Locale.ROOT));
  }

  /** {@code $DOCKER_CONFIG/config.json}, else {@code ~/.docker/config.json}. */
  public static Path defaultDockerConfig() {
    String dir = System.getenv("DOCKER_CONFIG");
    if (dir != null && !dir.isBlank()) {
      return Path.of(dir, "config.json");
    }
    return Path.of(System.getProperty("user.home"), ".docker", "config.json");
  }

  @Override
  public String toString() {
    // Never print the password.
    return "RegistryOptions[insecureRegistries="
        + insecureRegistries
        + ", dockerConfig="
        + dockerConfig
        + ", username="
        + username
        + ", password="
        + (password == null ? null : "***")
        + ", userAgent="
        + userAgent
        + ", maxManifestBytes="
        + maxManifestBytes
        + "]";
  }

  private static String normaliseHost(String host) {
    if (host == null || host.isBlank() || host.contains("://") || host.contains("/")) {
      throw new Oci2vmException(
          ErrorCode.BAD_OPTION,
          "insecure registry '"
              + host
              + "' must be a host or host:port such as registry.lan:5000, without http:// or a"
              + " path");
    }
    return host.trim().toLowerCase(Locale.ROOT);
  }
}
