package io.oci2vm.internal.source;

import com.google.cloud.tools.jib.api.DescriptorDigest;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.api.RegistryException;
import com.google.cloud.tools.jib.api.RegistryUnauthorizedException;
import com.google.cloud.tools.jib.event.EventHandlers;
import com.google.cloud.tools.jib.registry.RegistryAliasGroup;
import com.google.cloud.tools.jib.registry.RegistryClient;
import io.oci2vm.Descriptor;
import io.oci2vm.Digest;
import io.oci2vm.ErrorCode;
import io.oci2vm.ImageReference;
import io.oci2vm.MediaTypes;
import io.oci2vm.Oci2vmException;
import io.oci2vm.internal.source.ManifestCapturingHttpClient.ManifestReceived;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestException;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Reads an image from a registry through jib-core's {@link RegistryClient}, which does the
 * distribution API calls, the bearer-token and basic authentication, and the HTTPS-to-HTTP
 * failover. No jib type leaves this class: {@link RegistryErrors} turns failures into {@link
 * Oci2vmException}s.
 *
 * <p>{@link ManifestCapturingHttpClient} hands each manifest body back untouched before jib parses
 * it, so {@link FetchedManifest} carries exactly the bytes received and their sha256.
 *
 * <p>Authentication follows jib's own pull: the first request goes out anonymously; on a 401 or 403
 * the credentials are looked up ({@link RegistryCredentials}) and the {@code WWW-Authenticate}
 * challenge at {@code /v2/} decides between a bearer token for this repository (jib's {@code
 * doPullBearerAuth}) and basic authentication. The request is then retried once; jib itself renews
 * an expired bearer token.
 *
 * <p>Plain HTTP, and HTTPS without certificate checks, are used only for loopback registries and
 * those listed in {@link RegistryOptions#insecureRegistries()}; any other registry is probed once
 * by {@link RegistryPreflight} first.
 */
public final class RegistryFetcher implements ImageFetcher {
  private static final System.Logger LOG = System.getLogger(RegistryFetcher.class.getName());

  /** Content types some registries send for manifests that say nothing about the format. */
  private static final Set<String> GENERIC_CONTENT_TYPES =
      Set.of("application/json", "text/plain", "application/octet-stream");

  private final ImageReference reference;
  private final RegistryOptions options;
  private final String apiHost;
  private final EventHandlers eventHandlers;
  private final Consumer<LogEvent> jibLogger;
  private final ManifestCapturingHttpClient httpClient;
  private final RegistryErrors errors;
  private final RegistryPreflight preflight;

  private final Object authLock = new Object();
  private volatile RegistryClient client;
  private volatile boolean authenticated;

  private RegistryFetcher(ImageReference reference, RegistryOptions options) {
    this.reference = reference;
    this.options = options;
    this.apiHost = apiHost(reference.registry());
    boolean insecureAllowed = options.allowsInsecure(reference);
    this.jibLogger = event -> LOG.log(System.Logger.Level.DEBUG, "jib: {0}", event.getMessage());
    this.eventHandlers = EventHandlers.builder().add(LogEvent.class, jibLogger).build();
    this.httpClient =
        new ManifestCapturingHttpClient(
            insecureAllowed, jibLogger, reference.repository(), options.maxManifestBytes());
    this.errors = new RegistryErrors(reference, apiHost, insecureAllowed, options.dockerConfig());
    this.preflight =
        insecureAllowed
            ? null
            : new RegistryPreflight(apiHost, reference.registry(), options.userAgent(), errors);
    this.client = newClientFactory().newRegistryClient();
  }

  /**
   * A fetcher for the image {@code reference} names. Nothing is sent until the first fetch.
   *
   * @param reference the image; its registry {@code docker.io} is reached at {@code
   *     registry-1.docker.io}
   * @param options insecure registries, credentials and limits
   */
  public static RegistryFetcher open(ImageReference reference, RegistryOptions options) {
    Objects.requireNonNull(reference, "reference was not specified");
    Objects.requireNonNull(options, "options was not specified");
    return new RegistryFetcher(reference, options);
  }

  /**
   * The host the distribution API is served from: Docker Hub's names resolve to {@code
   * registry-1.docker.io}, as {@code docker.io} itself serves no API.
   */
  static String apiHost(String registry) {
    return RegistryAliasGroup.getHost(registry);
  }

  @Override
  public String describe() {
    return "registry " + reference;
  }

  @Override
  public FetchedManifest fetchRootManifest() throws IOException {
    return pullManifest(reference.qualifier());
  }

  @Override
  public FetchedManifest fetchManifest(Descriptor descriptor) throws IOException {
    return pullManifest(descriptor.digest().toString());
  }

  /**
   * Streams the blob into {@code out} as the registry sends it. jib checks the blob's digest too,
   * after the last byte; {@code out} may throw at any point to stop the transfer, and what it
   * throws is rethrown unchanged. {@code out} is not closed.
   */
  @Override
  public void writeBlob(Descriptor descriptor, OutputStream out) throws IOException {
    DescriptorDigest digest = jibDigest(descriptor.digest());
    CallerOutput callerOutput = new CallerOutput(out);
    call(
        "pull blob " + descriptor.digest(),
        c -> {
          try {
            c.pullBlob(digest, size -> {}, written -> {}).writeTo(callerOutput);
          } catch (IOException e) {
            // pullBlob hides registry errors (401, 404, digest) inside an IOException.
            if (e.getCause() instanceof RegistryException registryException) {
              throw registryException;
            }
            throw e;
          }
          return null;
        });
  }

  /**
   * Downloads the blob into a temporary file, deleted when the stream is closed, and opens it. The
   * download stops with {@link ErrorCode#SIZE_MISMATCH} once it passes the descriptor's size, so a
   * lying registry cannot fill the disk. Callers that can take bytes pushed at them should use
   * {@link #writeBlob}, which needs no temporary file.
   */
  @Override
  public InputStream openBlob(Descriptor descriptor) throws IOException {
    Path staged = Files.createTempFile("oci2vm-blob-", ".part");
    try {
      try (OutputStream out = Files.newOutputStream(staged)) {
        // Only the size bound is wanted here (jib checks the digest), so finish() is not called.
        writeBlob(descriptor, new VerifyingOutputStream(out, descriptor, describe(), n -> {}));
      }
      return Files.newInputStream(staged, StandardOpenOption.DELETE_ON_CLOSE);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(staged);
      throw e;
    }
  }

  @Override
  public boolean isRemote() {
    return true;
  }

  @Override
  public void close() throws IOException {
    httpClient.shutDown();
  }

  private FetchedManifest pullManifest(String qualifier) throws IOException {
    ManifestReceived received =
        call(
            "pull manifest " + qualifier,
            c -> {
              try {
                c.pullManifest(qualifier);
              } catch (ManifestReceived manifest) {
                return manifest;
              }
              throw new IllegalStateException("jib fetched the manifest past our HTTP client");
            });
    String mediaType = declaredMediaType(received.contentType(), qualifier);
    return new FetchedManifest(mediaType, received.bytes(), Digest.of(received.bytes()));
  }

  /**
   * The media type a manifest response declares, or null when its Content-Type is missing or
   * generic (the JSON's own mediaType decides then).
   */
  private String declaredMediaType(String contentType, String qualifier) {
    if (contentType == null) {
      return null;
    }
    String type = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    if (MediaTypes.INDEXES.contains(type) || MediaTypes.MANIFESTS.contains(type)) {
      return type;
    }
    if (type.isEmpty() || GENERIC_CONTENT_TYPES.contains(type)) {
      return null;
    }
    throw new Oci2vmException(
        ErrorCode.UNKNOWN_MEDIA_TYPE,
        "registry "
            + reference.registry()
            + " served "
            + reference.repository()
            + ":"
            + qualifier
            + " as '"
            + type
            + "'; oci2vm reads OCI and Docker schema 2 manifests and indexes (re-push a schema 1"
            + " image with a current docker or skopeo to convert it)");
  }

  @FunctionalInterface
  private interface RegistryCall<T> {
    T call(RegistryClient client) throws IOException, RegistryException;
  }

  /** Runs {@code op}, authenticating and retrying once when the registry asks for credentials. */
  private <T> T call(String action, RegistryCall<T> op) throws IOException {
    if (preflight != null) {
      preflight.checkOnce();
    }
    try {
      RegistryClient current = client;
      try {
        return op.call(current);
      } catch (RegistryUnauthorizedException e) {
        authenticate(current, e);
        return op.call(client);
      }
    } catch (CallerOutput.Failed e) {
      throw e.original();
    } catch (Oci2vmException e) {
      throw e;
    } catch (RegistryException | IOException | RuntimeException e) {
      throw errors.translate(action, e);
    }
  }

  private void authenticate(RegistryClient failed, RegistryUnauthorizedException challenge)
      throws IOException, RegistryException {
    synchronized (authLock) {
      if (client != failed) {
        return; // another thread authenticated meanwhile
      }
      if (authenticated) {
        throw challenge;
      }
      RegistryCredentials.Found found = RegistryCredentials.lookup(reference, options, jibLogger);
      errors.usingCredentials(found.source());
      LOG.log(
          System.Logger.Level.DEBUG,
          "{0} asks for authentication; using {1}",
          reference.registry(),
          found.source());
      RegistryClient authed =
          RegistryCredentials.authenticatedClient(newClientFactory(), found, false);
      client = authed;
      authenticated = true;
    }
  }

  private RegistryClient.Factory newClientFactory() {
    return RegistryClient.factory(eventHandlers, apiHost, reference.repository(), httpClient)
        .setUserAgent(options.userAgent());
  }

  private static DescriptorDigest jibDigest(Digest digest) {
    try {
      return DescriptorDigest.fromDigest(digest.toString());
    } catch (DigestException e) {
      throw new IllegalStateException("a validated digest was refused: " + digest, e);
    }
  }
}
