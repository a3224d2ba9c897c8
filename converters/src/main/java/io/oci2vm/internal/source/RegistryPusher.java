package io.oci2vm.internal.source;

import com.google.cloud.tools.jib.api.DescriptorDigest;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.api.RegistryException;
import com.google.cloud.tools.jib.api.RegistryUnauthorizedException;
import com.google.cloud.tools.jib.blob.Blob;
import com.google.cloud.tools.jib.blob.Blobs;
import com.google.cloud.tools.jib.event.EventHandlers;
import com.google.cloud.tools.jib.http.FailoverHttpClient;
import com.google.cloud.tools.jib.registry.RegistryClient;
import io.oci2vm.Descriptor;
import io.oci2vm.Digest;
import io.oci2vm.ErrorCode;
import io.oci2vm.ImageReference;
import io.oci2vm.Limits;
import io.oci2vm.Oci2vmException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.security.DigestException;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Pushes one image from an OCI image layout to a registry through jib-core's {@link
 * RegistryClient}: every blob the registry does not have yet ({@code checkBlob}, then {@code
 * pushBlob}), then the manifest under the target's tag. The manifest goes out byte for byte as the
 * layout holds it ({@link RawManifest}), so the registry stores it under the layout's digest and
 * its annotations survive.
 *
 * <p>Reaching the registry works as for pulls ({@link RegistryFetcher}): plain HTTP and unverified
 * HTTPS only for loopback registries and those in {@link RegistryOptions#insecureRegistries()},
 * with a {@link RegistryPreflight} probe for any other; the first request goes out anonymously, and
 * on a 401 or 403 the credentials ({@link RegistryCredentials}) and the registry's challenge decide
 * between a bearer token with push scope ({@code doPushBearerAuth}) and basic authentication.
 * Failures become {@link Oci2vmException}s through {@link RegistryErrors}; no jib type leaves this
 * class.
 */
public final class RegistryPusher {
  private static final System.Logger LOG = System.getLogger(RegistryPusher.class.getName());

  /** How jib's manifest push reports a registry that answered with another digest. */
  private static final String DIGEST_WARNING = "Expected image digest ";

  private final ImageReference target;
  private final RegistryOptions options;
  private final EventHandlers eventHandlers;
  private final Consumer<LogEvent> jibLogger;
  private final FailoverHttpClient httpClient;
  private final RegistryErrors errors;
  private final RegistryPreflight preflight;
  private final String apiHost;

  private RegistryClient client;
  private boolean authenticated;
  private volatile String digestWarning;

  private RegistryPusher(ImageReference target, RegistryOptions options) {
    this.target = target;
    this.options = options;
    this.apiHost = RegistryFetcher.apiHost(target.registry());
    boolean insecureAllowed = options.allowsInsecure(target);
    this.jibLogger = this::onJibLog;
    this.eventHandlers = EventHandlers.builder().add(LogEvent.class, jibLogger).build();
    // As for pulls, credentials go over plain HTTP only where plain HTTP is allowed at all.
    this.httpClient = new FailoverHttpClient(insecureAllowed, insecureAllowed, jibLogger);
    this.errors = new RegistryErrors(target, apiHost, insecureAllowed, options.dockerConfig());
    this.preflight =
        insecureAllowed
            ? null
            : new RegistryPreflight(apiHost, target.registry(), options.userAgent(), errors);
    this.client = newClientFactory().newRegistryClient();
  }

  /**
   * Pushes the image {@code tag} names in an OCI image layout (the {@code index.json} entry whose
   * {@code org.opencontainers.image.ref.name} is {@code tag}): its config and layer blobs that the
   * registry lacks, then its manifest, unchanged, to {@code target}'s tag.
   *
   * @param ociLayoutDir the layout, a directory (or a tar of one)
   * @param tag the image's name in the layout
   * @param target where to push; its tag names the pushed manifest. A digest alone pushes by
   *     digest, and a digest with a tag must be the image's own digest.
   * @param options insecure registries, credentials and the manifest size bound
   * @return the digest of the pushed manifest, the same as in the layout
   * @throws Oci2vmException {@link ErrorCode#NOT_FOUND} if the layout has no image {@code tag};
   *     {@link ErrorCode#AUTH_FAILED}, {@link ErrorCode#INSECURE_REGISTRY} or {@link
   *     ErrorCode#REGISTRY_ERROR} if the registry refuses, cannot be reached safely, or fails;
   *     {@link ErrorCode#DIGEST_MISMATCH} if a blob in the layout is corrupt
   * @throws IOException if reading the layout fails
   */
  public static Digest pushLayout(
      Path ociLayoutDir, String tag, ImageReference target, RegistryOptions options)
      throws IOException {
    Objects.requireNonNull(ociLayoutDir, "ociLayoutDir was not specified");
    Objects.requireNonNull(tag, "tag was not specified");
    Objects.requireNonNull(target, "target was not specified");
    Objects.requireNonNull(options, "options was not specified");
    String description = "OCI layout " + ociLayoutDir;
    Limits limits = Limits.DEFAULTS.withMaxManifestBytes(options.maxManifestBytes());
    try (OciLayoutFetcher layout = OciLayoutFetcher.open(ociLayoutDir, tag, limits, description)) {
      LayoutImage image = LayoutImage.read(layout, tag, description, options.maxManifestBytes());
      String qualifier = qualifier(target, image.digest());
      RegistryPusher pusher = new RegistryPusher(target, options);
      try {
        return pusher.push(layout, image, qualifier);
      } finally {
        pusher.shutDown();
      }
    }
  }

  private Digest push(OciLayoutFetcher layout, LayoutImage image, String qualifier)
      throws IOException {
    for (Descriptor blob : image.blobs()) {
      pushBlob(layout, blob);
    }
    digestWarning = null;
    DescriptorDigest pushed =
        call("push manifest " + qualifier, c -> c.pushManifest(image.manifest(), qualifier));
    if (!pushed.toString().equals(image.digest().toString())) {
      // jib computes this digest by serialising the template, so it means RawManifest failed.
      throw new IllegalStateException(
          "the manifest was sent as " + pushed + " instead of " + image.digest());
    }
    String warning = digestWarning;
    if (warning != null) {
      throw new Oci2vmException(
          ErrorCode.REGISTRY_ERROR,
          "registry "
              + target.registry()
              + " stored the manifest of "
              + target
              + " under another digest than the layout's "
              + image.digest()
              + " ("
              + warning
              + "); it rewrote the manifest, so pulls by digest will not match");
    }
    LOG.log(System.Logger.Level.DEBUG, "pushed {0} as {1}", target, image.digest());
    return image.digest();
  }

  private void pushBlob(OciLayoutFetcher layout, Descriptor descriptor) throws IOException {
    DescriptorDigest digest = jibDigest(descriptor.digest());
    String action = "push blob " + descriptor.digest();
    if (call(action, c -> c.checkBlob(digest).isPresent())) {
      LOG.log(System.Logger.Level.DEBUG, "{0} already has {1}", target, descriptor.digest());
      return;
    }
    // Retryable: each attempt (after an authentication challenge, say) reads the layout afresh.
    Blob blob = Blobs.from(out -> copyBlob(layout, descriptor, out), true);
    call(action, c -> c.pushBlob(digest, blob, null, written -> {}));
  }

  /**
   * Copies a blob from the layout to the upload, checking its size and digest as it goes, so a
   * corrupt layout fails with {@link ErrorCode#DIGEST_MISMATCH} before the upload is committed.
   * Local read failures travel through jib unchecked ({@link LayoutReadFailed}): as IOExceptions
   * jib would retry them and then blame the registry.
   */
  private static void copyBlob(OciLayoutFetcher layout, Descriptor descriptor, OutputStream out)
      throws IOException {
    InputStream in;
    try {
      in = new VerifyingInputStream(layout.openBlob(descriptor), descriptor, layout.describe());
    } catch (IOException e) {
      throw new LayoutReadFailed(e);
    }
    try (in) {
      byte[] buffer = new byte[1 << 16];
      while (true) {
        int n;
        try {
          n = in.read(buffer);
        } catch (IOException e) {
          throw new LayoutReadFailed(e);
        }
        if (n < 0) {
          return;
        }
        out.write(buffer, 0, n);
      }
    }
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
      try {
        return op.call(client);
      } catch (RegistryUnauthorizedException e) {
        authenticate(e);
        return op.call(client);
      }
    } catch (LayoutReadFailed e) {
      throw e.original;
    } catch (Oci2vmException e) {
      throw e;
    } catch (RegistryException | IOException | RuntimeException e) {
      throw errors.translate(action, e);
    }
  }

  private void authenticate(RegistryUnauthorizedException challenge)
      throws IOException, RegistryException {
    if (authenticated) {
      throw challenge;
    }
    authenticated = true;
    RegistryCredentials.Found found = RegistryCredentials.lookup(target, options, jibLogger);
    errors.usingCredentials(found.source());
    LOG.log(
        System.Logger.Level.DEBUG,
        "{0} asks for authentication; using {1}",
        target.registry(),
        found.source());
    RegistryClient authed =
        RegistryCredentials.authenticatedClient(newClientFactory(), found, true);
    client = authed;
  }

  private RegistryClient.Factory newClientFactory() {
    return RegistryClient.factory(eventHandlers, apiHost, target.repository(), httpClient)
        .setUserAgent(options.userAgent());
  }

  private void onJibLog(LogEvent event) {
    String message = event.getMessage();
    LOG.log(System.Logger.Level.DEBUG, "jib: {0}", message);
    // jib only warns when the registry's Docker-Content-Digest differs from what it sent; "but
    // received none" (a registry that sends no digest) is no evidence of a rewrite.
    if (event.getLevel() == LogEvent.Level.WARN
        && message.startsWith(DIGEST_WARNING)
        && message.contains("but received: ")) {
      digestWarning = message;
    }
  }

  private void shutDown() {
    try {
      httpClient.shutDown();
    } catch (IOException e) {
      LOG.log(System.Logger.Level.DEBUG, "closing the HTTP client failed", e);
    }
  }

  /** The tag or digest to push the manifest to. */
  private static String qualifier(ImageReference target, Digest digest) {
    if (target.digest() != null && !target.digest().equals(digest)) {
      throw new Oci2vmException(
          ErrorCode.BAD_OPTION,
          "push target "
              + target
              + " names digest "
              + target.digest()
              + " but the image to push has digest "
              + digest
              + "; push to a tag, or name the image's own digest");
    }
    return target.tag() != null ? target.tag() : digest.toString();
  }

  private static DescriptorDigest jibDigest(Digest digest) {
    try {
      return DescriptorDigest.fromDigest(digest.toString());
    } catch (DigestException e) {
      throw new IllegalStateException("a validated digest was refused: " + digest, e);
    }
  }

  /** A failure reading the layout, carried unchecked through jib's upload code. */
  private static final class LayoutReadFailed extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient IOException original;

    LayoutReadFailed(IOException original) {
      super(original.getMessage(), original);
      this.original = original;
    }
  }
}
