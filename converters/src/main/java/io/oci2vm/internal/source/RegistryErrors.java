package io.oci2vm.internal.source;

import com.google.cloud.tools.jib.api.InsecureRegistryException;
import com.google.cloud.tools.jib.api.RegistryAuthenticationFailedException;
import com.google.cloud.tools.jib.api.RegistryUnauthorizedException;
import com.google.cloud.tools.jib.http.ResponseException;
import com.google.cloud.tools.jib.registry.RegistryCredentialsNotSentException;
import io.oci2vm.ErrorCode;
import io.oci2vm.ImageReference;
import io.oci2vm.Oci2vmException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.Path;
import java.util.stream.Stream;
import javax.net.ssl.SSLException;

/**
 * Turns what jib or the network threw while talking to one registry into an {@link Oci2vmException}
 * whose code says what went wrong and whose message says what to do next. jib's exception types
 * stop here, so none reaches a caller of {@link RegistryFetcher}.
 *
 * <p>It remembers which credentials the fetcher last tried, so an authentication failure can say
 * whether any were sent and where they came from.
 */
final class RegistryErrors {
  private static final int MAX_DETAIL_CHARS = 300;

  private final ImageReference reference;
  private final String apiHost;
  private final boolean insecureAllowed;
  private final Path dockerConfig;
  private volatile String credentialSource = "no credentials";

  RegistryErrors(
      ImageReference reference, String apiHost, boolean insecureAllowed, Path dockerConfig) {
    this.reference = reference;
    this.apiHost = apiHost;
    this.insecureAllowed = insecureAllowed;
    this.dockerConfig = dockerConfig;
  }

  /** Records where the credentials now in use came from, for later authentication failures. */
  void usingCredentials(String source) {
    this.credentialSource = source;
  }

  /**
   * The error for {@code e}, thrown while trying {@code action} (e.g. {@code pull manifest v1} or
   * {@code reach REGISTRY}).
   */
  Oci2vmException translate(String action, Exception e) {
    String registry = reference.registry();
    String where = registry + "/" + reference.repository();
    String what =
        action.startsWith("pull ")
            ? action + " from " + where
            : action.startsWith("push ") ? action + " to " + where : action;

    if (e instanceof InsecureRegistryException || cause(e, SSLException.class) != null) {
      if (!insecureAllowed) {
        return new Oci2vmException(
            ErrorCode.INSECURE_REGISTRY,
            "registry "
                + registry
                + " did not offer HTTPS with a certificate this machine trusts ("
                + rootMessage(e)
                + "); if it serves plain HTTP or a self-signed certificate and you trust it, pass"
                + " --insecure-registry "
                + registry,
            e);
      }
      return new Oci2vmException(
          ErrorCode.REGISTRY_ERROR,
          "TLS with registry " + registry + " failed: " + rootMessage(e) + " (" + what + ")",
          e);
    }

    if (e instanceof RegistryCredentialsNotSentException) {
      return new Oci2vmException(
          ErrorCode.AUTH_FAILED,
          "registry "
              + registry
              + " asked for credentials over plain HTTP, which oci2vm does not send; serve it"
              + " over HTTPS ("
              + what
              + ")",
          e);
    }

    ResponseException response = cause(e, ResponseException.class);
    int status = response != null ? response.getStatusCode() : -1;

    if (e instanceof RegistryUnauthorizedException
        || e instanceof RegistryAuthenticationFailedException
        || status == 401
        || status == 403) {
      return new Oci2vmException(ErrorCode.AUTH_FAILED, authMessage(what, status, e), e);
    }

    if (status == 404) {
      String hint =
          action.startsWith("pull manifest")
              ? "check the repository name and the tag or digest"
              : action.startsWith("push ")
                  ? "check the repository name; some registries need a repository created first"
                  : "the image in the registry is incomplete; push it again";
      return new Oci2vmException(
          ErrorCode.NOT_FOUND, "not found: " + what + registryDetail(response) + "; " + hint, e);
    }

    if (status == 429) {
      return new Oci2vmException(
          ErrorCode.REGISTRY_ERROR,
          "registry "
              + registry
              + " is rate-limiting requests (HTTP 429) while trying to "
              + what
              + "; wait and retry, or log in (`docker login "
              + registry
              + "`), which raises Docker Hub's limits",
          e);
    }

    if (status > 0) {
      return new Oci2vmException(
          ErrorCode.REGISTRY_ERROR,
          "registry "
              + registry
              + " answered HTTP "
              + status
              + " to "
              + what
              + registryDetail(response),
          e);
    }

    if (causes(e)
        .anyMatch(t -> t.getClass().getSimpleName().equals("UnexpectedBlobDigestException"))) {
      return new Oci2vmException(
          ErrorCode.DIGEST_MISMATCH,
          "registry " + registry + " sent corrupt data for " + what + ": " + rootMessage(e),
          e);
    }

    if (isUnresolved(e)) {
      return new Oci2vmException(
          ErrorCode.REGISTRY_ERROR,
          "cannot resolve registry host "
              + apiHost
              + " ("
              + what
              + "); check the registry name, DNS and any proxy settings",
          e);
    }
    ConnectException refused = cause(e, ConnectException.class);
    if (refused != null || cause(e, NoRouteToHostException.class) != null) {
      String reason =
          refused != null && refused.getMessage() == null ? "connection refused" : rootMessage(e);
      return new Oci2vmException(
          ErrorCode.REGISTRY_ERROR,
          "cannot connect to registry "
              + registry
              + " ("
              + reason
              + ") to "
              + what
              + "; is the registry running and is the host and port right?",
          e);
    }
    if (cause(e, InterruptedIOException.class) != null) {
      return new Oci2vmException(
          ErrorCode.REGISTRY_ERROR,
          "registry "
              + registry
              + " timed out while trying to "
              + what
              + "; check the network or proxy, or retry later",
          e);
    }
    return new Oci2vmException(
        ErrorCode.REGISTRY_ERROR, "failed to " + what + ": " + rootMessage(e), e);
  }

  private String authMessage(String what, int status, Exception e) {
    String registry = reference.registry();
    String source = credentialSource;
    boolean push = what.startsWith("push ");
    StringBuilder m =
        new StringBuilder("registry ")
            .append(registry)
            .append(" refused access")
            .append(status > 0 ? " (HTTP " + status + ")" : "")
            .append(" to ")
            .append(what)
            .append(" using ")
            .append(source);
    if (e instanceof RegistryAuthenticationFailedException) {
      m.append(" (").append(rootMessage(e)).append(")");
    }
    if (source.startsWith("no credentials")) {
      m.append(push ? "; run `docker login " : "; if the image is private, run `docker login ")
          .append(registry)
          .append("` (credentials are read from ")
          .append(dockerConfig)
          .append(": auths, credHelpers, credsStore) or pass a user name and password");
    } else {
      m.append("; check that they are current (`docker login ")
          .append(registry)
          .append(push ? "` again) and allow pushing to " : "` again) and allow pulling ")
          .append(reference.repository());
    }
    return m.append(". Some registries, Docker Hub among them, answer this way for repositories")
        .append(" that do not exist, so check the name ")
        .append(reference.repository())
        .append(" too")
        .toString();
  }

  /** Whether the registry's host name could not be resolved, which retrying will not change. */
  static boolean isUnresolved(Throwable e) {
    return cause(e, UnknownHostException.class) != null
        || cause(e, UnresolvedAddressException.class) != null;
  }

  /** The first exception of {@code type} in {@code e}'s cause chain, or null. */
  static <T extends Throwable> T cause(Throwable e, Class<T> type) {
    return causes(e).filter(type::isInstance).map(type::cast).findFirst().orElse(null);
  }

  private static Stream<Throwable> causes(Throwable e) {
    return Stream.iterate(e, t -> t != null, t -> t.getCause() == t ? null : t.getCause());
  }

  private static String rootMessage(Throwable e) {
    Throwable root = causes(e).reduce((first, second) -> second).orElseThrow();
    String message = root.getMessage();
    return message != null ? oneLine(message) : root.getClass().getSimpleName();
  }

  private static String registryDetail(ResponseException response) {
    if (response == null) {
      return "";
    }
    String content;
    try {
      content = response.getContent();
    } catch (RuntimeException ignored) {
      return "";
    }
    if (content == null || content.isBlank()) {
      return "";
    }
    String detail = oneLine(content);
    if (detail.length() > MAX_DETAIL_CHARS) {
      detail = detail.substring(0, MAX_DETAIL_CHARS) + "...";
    }
    return " (registry said: " + detail + ")";
  }

  private static String oneLine(String text) {
    return text.strip().replaceAll("\\s+", " ");
  }
}
