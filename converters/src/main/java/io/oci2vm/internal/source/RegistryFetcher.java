package io.oci2vm.internal.source;

import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.DescriptorDigest;
import com.google.cloud.tools.jib.api.InsecureRegistryException;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.api.RegistryAuthenticationFailedException;
import com.google.cloud.tools.jib.api.RegistryException;
import com.google.cloud.tools.jib.api.RegistryUnauthorizedException;
import com.google.cloud.tools.jib.event.EventHandlers;
import com.google.cloud.tools.jib.http.FailoverHttpClient;
import com.google.cloud.tools.jib.http.Request;
import com.google.cloud.tools.jib.http.Response;
import com.google.cloud.tools.jib.http.ResponseException;
import com.google.cloud.tools.jib.registry.RegistryAliasGroup;
import com.google.cloud.tools.jib.registry.RegistryClient;
import com.google.cloud.tools.jib.registry.RegistryCredentialsNotSentException;
import com.google.cloud.tools.jib.registry.credentials.DockerConfigCredentialRetriever;
import io.oci2vm.Descriptor;
import io.oci2vm.Digest;
import io.oci2vm.ErrorCode;
import io.oci2vm.ImageReference;
import io.oci2vm.MediaTypes;
import io.oci2vm.Oci2vmException;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.ProxySelector;
import java.net.URI;
import java.net.URL;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;

/**
 * Reads an image from a registry through jib-core's {@link RegistryClient}, which does the
 * distribution API calls, the bearer-token and basic authentication, and the HTTPS-to-HTTP
 * failover. No jib type leaves this class: failures become {@link Oci2vmException}s.
 *
 * <p>jib parses manifests into its own templates, which drop fields oci2vm needs (an index entry's
 * {@code platform.variant}, annotations). So the HTTP client under jib hands the manifest body back
 * untouched before jib parses it, and {@link FetchedManifest} carries exactly the bytes received
 * and their sha256.
 *
 * <p>Authentication follows jib's own pull: the first request goes out anonymously; on a 401 or 403
 * the credentials are looked up (explicit ones, else Docker's config.json and credential helpers)
 * and the {@code WWW-Authenticate} challenge at {@code /v2/} decides between a bearer token for
 * this repository (jib's {@code doPullBearerAuth}) and basic authentication. The request is then
 * retried once; jib itself renews an expired bearer token.
 *
 * <p>Plain HTTP, and HTTPS without certificate checks, are used only for loopback registries and
 * those listed in {@link RegistryOptions#insecureRegistries()}.
 */
public final class RegistryFetcher implements ImageFetcher {
  private static final System.Logger LOG = System.getLogger(RegistryFetcher.class.getName());

  /** What {@code docker login} writes for Docker Hub, which jib's alias list does not try. */
  private static final String DOCKER_HUB_LOGIN_KEY = "https://index.docker.io/v1/";

  /** Content types some registries send for manifests that say nothing about the format. */
  private static final Set<String> GENERIC_CONTENT_TYPES =
      Set.of("application/json", "text/plain", "application/octet-stream");

  /** How long the TLS probe waits to connect and for an answer; jib's own default timeout. */
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(20);

  private final ImageReference reference;
  private final RegistryOptions options;
  private final String apiHost;
  private final boolean insecureAllowed;
  private final EventHandlers eventHandlers;
  private final Consumer<LogEvent> jibLogger;
  private final ManifestCapturingHttpClient httpClient;

  private final Object authLock = new Object();
  private volatile RegistryClient client;
  private volatile boolean authenticated;
  private volatile boolean tlsChecked;
  private volatile String credentialSource = "no credentials";

  private RegistryFetcher(ImageReference reference, RegistryOptions options) {
    this.reference = reference;
    this.options = options;
    this.apiHost = apiHost(reference.registry());
    this.insecureAllowed = options.allowsInsecure(reference);
    this.jibLogger = event -> LOG.log(System.Logger.Level.DEBUG, "jib: {0}", event.getMessage());
    this.eventHandlers = EventHandlers.builder().add(LogEvent.class, jibLogger).build();
    this.httpClient =
        new ManifestCapturingHttpClient(
            insecureAllowed, jibLogger, reference.repository(), options.maxManifestBytes());
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
        writeBlob(descriptor, new BoundedOutput(out, descriptor));
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
    String action = "pull manifest " + qualifier;
    ManifestReceived received =
        call(
            action,
            c -> {
              try {
                c.pullManifest(qualifier);
              } catch (ManifestReceived manifest) {
                return manifest;
              }
              throw new IllegalStateException("jib fetched the manifest past our HTTP client");
            });
    String mediaType = declaredMediaType(received.contentType, qualifier);
    return new FetchedManifest(mediaType, received.bytes, Digest.of(received.bytes));
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
    checkTlsOnce();
    try {
      RegistryClient current = client;
      try {
        return op.call(current);
      } catch (RegistryUnauthorizedException e) {
        authenticate(current, e);
        return op.call(client);
      }
    } catch (CallerOutputFailed e) {
      throw e.original;
    } catch (Oci2vmException e) {
      throw e;
    } catch (RegistryException | IOException | RuntimeException e) {
      throw translate(action, e);
    }
  }

  /**
   * For a registry that must speak verified HTTPS, tries one quick request first. jib's client
   * retries every I/O error with exponential backoff when HTTP failover is off (jib issue 3422), so
   * a plain-HTTP server, an untrusted certificate, an unknown host or a closed port would take
   * about a minute to report; these are not going to heal, so they are reported at once. Any other
   * outcome, an HTTP error or a timeout included, is left to jib.
   */
  private void checkTlsOnce() throws IOException {
    if (insecureAllowed || tlsChecked) {
      return;
    }
    synchronized (authLock) {
      if (tlsChecked) {
        return;
      }
      tlsChecked = true;
    }
    URI uri = URI.create("https://" + apiHost + "/v2/");
    HttpClient.Builder builder =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(PROBE_TIMEOUT);
    ProxySelector proxies = ProxySelector.getDefault();
    if (proxies != null) {
      builder.proxy(proxies);
    }
    HttpRequest request =
        HttpRequest.newBuilder(uri)
            .timeout(PROBE_TIMEOUT)
            .header("User-Agent", options.userAgent())
            .GET()
            .build();
    try {
      builder.build().send(request, HttpResponse.BodyHandlers.discarding());
    } catch (HttpTimeoutException e) {
      LOG.log(System.Logger.Level.DEBUG, "probe of {0} timed out; leaving it to jib", uri);
    } catch (IOException e) {
      if (cause(e, SSLException.class) != null
          || isUnresolved(e)
          || cause(e, ConnectException.class) != null) {
        throw translate("reach " + reference.registry(), e);
      }
      LOG.log(System.Logger.Level.DEBUG, "probe of {0} failed ({1}); leaving it to jib", uri, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while connecting to " + uri);
    }
  }

  private static boolean isUnresolved(Throwable e) {
    return cause(e, UnknownHostException.class) != null
        || cause(e, UnresolvedAddressException.class) != null;
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
      Credential credential = credential();
      RegistryClient authed = newClientFactory().setCredential(credential).newRegistryClient();
      LOG.log(
          System.Logger.Level.DEBUG,
          "{0} asks for authentication; using {1}",
          reference.registry(),
          credentialSource);
      // GET /v2/ and read its challenge: Bearer means fetch a pull token for this repository
      // from the realm (sending the credential, if any); Basic means send the credential itself.
      if (!authed.doPullBearerAuth() && credential != null && !credential.isOAuth2RefreshToken()) {
        authed.configureBasicAuth();
      }
      client = authed;
      authenticated = true;
    }
  }

  /** Explicit credentials, else Docker's config for this registry, else null (anonymous). */
  private Credential credential() {
    if (options.hasCredentials()) {
      credentialSource = "the user name '" + options.username() + "' given explicitly";
      return Credential.from(options.username(), options.password());
    }
    Path config = options.dockerConfig();
    List<String> names =
        ImageReference.DOCKER_HUB.equals(reference.registry())
            ? List.of(reference.registry(), DOCKER_HUB_LOGIN_KEY)
            : List.of(reference.registry());
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
                + reference.registry()
                + ": "
                + e.getMessage()
                + "; fix the file or run `docker login "
                + reference.registry()
                + "` again",
            e);
      }
      if (found.isPresent()) {
        credentialSource = "credentials from " + config;
        return found.get();
      }
    }
    credentialSource = "no credentials (none for " + reference.registry() + " in " + config + ")";
    return null;
  }

  private RegistryClient.Factory newClientFactory() {
    return RegistryClient.factory(eventHandlers, apiHost, reference.repository(), httpClient)
        .setUserAgent(options.userAgent());
  }

  /** Turns whatever jib or the network threw into an error that says what to do next. */
  private Oci2vmException translate(String action, Exception e) {
    String registry = reference.registry();
    String where = registry + "/" + reference.repository();
    String what = action.startsWith("pull ") ? action + " from " + where : action;

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

    if (hasCauseNamed(e, "UnexpectedBlobDigestException")) {
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
    StringBuilder m =
        new StringBuilder("registry ")
            .append(registry)
            .append(" refused access")
            .append(status > 0 ? " (HTTP " + status + ")" : "")
            .append(" to ")
            .append(what)
            .append(" using ")
            .append(credentialSource);
    if (e instanceof RegistryAuthenticationFailedException) {
      m.append(" (").append(rootMessage(e)).append(")");
    }
    if (credentialSource.startsWith("no credentials")) {
      m.append("; if the image is private, run `docker login ")
          .append(registry)
          .append("` (credentials are read from ")
          .append(options.dockerConfig())
          .append(": auths, credHelpers, credsStore) or pass a user name and password");
    } else {
      m.append("; check that they are current (`docker login ")
          .append(registry)
          .append("` again) and allow pulling ")
          .append(reference.repository());
    }
    return m.append(". Some registries, Docker Hub among them, answer this way for repositories")
        .append(" that do not exist, so check the name ")
        .append(reference.repository())
        .append(" too")
        .toString();
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
    String oneLine = content.strip().replaceAll("\\s+", " ");
    if (oneLine.length() > 300) {
      oneLine = oneLine.substring(0, 300) + "...";
    }
    return " (registry said: " + oneLine + ")";
  }

  private static <T extends Throwable> T cause(Throwable e, Class<T> type) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }

  private static boolean hasCauseNamed(Throwable e, String simpleName) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t.getClass().getSimpleName().equals(simpleName)) {
        return true;
      }
    }
    return false;
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage();
    return message != null
        ? message.strip().replaceAll("\\s+", " ")
        : root.getClass().getSimpleName();
  }

  private static DescriptorDigest jibDigest(Digest digest) {
    try {
      return DescriptorDigest.fromDigest(digest.toString());
    } catch (DigestException e) {
      throw new IllegalStateException("a validated digest was refused: " + digest, e);
    }
  }

  /**
   * jib's HTTP client with one change: the body of a manifest GET is read here, bounded, and handed
   * back as {@link ManifestReceived} instead of going on to jib's parser. Authentication headers,
   * retries, token refreshes and the HTTP failover stay jib's.
   */
  private static final class ManifestCapturingHttpClient extends FailoverHttpClient {
    private final String manifestPathPrefix;
    private final long maxManifestBytes;

    ManifestCapturingHttpClient(
        boolean insecureAllowed,
        Consumer<LogEvent> logger,
        String repository,
        long maxManifestBytes) {
      // Credentials go over plain HTTP only where plain HTTP is allowed at all: loopback and
      // registries the user marked insecure, as Docker does.
      super(insecureAllowed, insecureAllowed, logger);
      this.manifestPathPrefix = "/v2/" + repository + "/manifests/";
      this.maxManifestBytes = maxManifestBytes;
    }

    @Override
    public Response call(String httpMethod, URL url, Request request) throws IOException {
      Response response = super.call(httpMethod, url, request);
      if (!"GET".equals(httpMethod) || !url.getPath().startsWith(manifestPathPrefix)) {
        return response;
      }
      try (response) {
        List<String> contentType = response.getHeader("Content-Type");
        throw new ManifestReceived(
            contentType == null || contentType.isEmpty() ? null : contentType.get(0),
            readBounded(response, url));
      }
    }

    private byte[] readBounded(Response response, URL url) throws IOException {
      long declared = response.getContentLength();
      int cap = (int) Math.min(maxManifestBytes, Integer.MAX_VALUE - 16);
      if (declared > cap) {
        throw tooLarge(url, declared + " bytes");
      }
      try (InputStream body = response.getBody()) {
        byte[] bytes = body == null ? new byte[0] : body.readNBytes(cap + 1);
        if (bytes.length > cap) {
          throw tooLarge(url, "more than " + cap + " bytes");
        }
        return bytes;
      }
    }

    private Oci2vmException tooLarge(URL url, String size) {
      return new Oci2vmException(
          ErrorCode.MANIFEST_TOO_LARGE,
          "manifest at "
              + url
              + " is "
              + size
              + ", over the limit of "
              + maxManifestBytes
              + " bytes; raise the manifest limit only if the image is trusted");
    }
  }

  /** Carries a manifest body out past jib's parser; not an error. */
  private static final class ManifestReceived extends IOException {
    private static final long serialVersionUID = 1L;

    private final String contentType;
    private final transient byte[] bytes;

    ManifestReceived(String contentType, byte[] bytes) {
      super("manifest received (" + bytes.length + " bytes)");
      this.contentType = contentType;
      this.bytes = bytes;
    }
  }

  /** The caller's {@code out} threw; rethrown unchanged rather than blamed on the registry. */
  private static final class CallerOutputFailed extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient IOException original;

    CallerOutputFailed(IOException original) {
      super(original.getMessage(), original);
      this.original = original;
    }
  }

  /** Marks the caller's failures, and keeps jib from closing the caller's stream. */
  private static final class CallerOutput extends FilterOutputStream {
    CallerOutput(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      try {
        out.write(b);
      } catch (IOException e) {
        throw new CallerOutputFailed(e);
      }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      try {
        out.write(b, off, len);
      } catch (IOException e) {
        throw new CallerOutputFailed(e);
      }
    }

    @Override
    public void flush() throws IOException {
      try {
        out.flush();
      } catch (IOException e) {
        throw new CallerOutputFailed(e);
      }
    }

    @Override
    public void close() throws IOException {
      flush();
    }
  }

  /** Stops a staged download that runs past the descriptor's size. */
  private static final class BoundedOutput extends FilterOutputStream {
    private final Descriptor descriptor;
    private long written;

    BoundedOutput(OutputStream out, Descriptor descriptor) {
      super(out);
      this.descriptor = descriptor;
    }

    @Override
    public void write(int b) throws IOException {
      count(1);
      out.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      count(len);
      out.write(b, off, len);
    }

    private void count(int n) {
      written += n;
      if (written > descriptor.size()) {
        throw new Oci2vmException(
            ErrorCode.SIZE_MISMATCH,
            "blob "
                + descriptor.digest()
                + " is larger than the "
                + descriptor.size()
                + " bytes its manifest declares");
      }
    }
  }
}
