package io.oci2vm.internal.source;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.oci2vm.Descriptor;
import io.oci2vm.Digest;
import io.oci2vm.ErrorCode;
import io.oci2vm.ImageReference;
import io.oci2vm.MediaTypes;
import io.oci2vm.Oci2vmException;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unit tests against an in-process fake registry (the JDK's HTTP server on 127.0.0.1) that speaks
 * just enough of the distribution API. Tests against the real registry are in {@code
 * RegistryFetcherIT}.
 */
@Timeout(60)
class RegistryFetcherTest {
  /** An index whose odd layout and extra fields would not survive parsing and re-serialising. */
  private static final byte[] INDEX =
      ("{\n  \"schemaVersion\" : 2,\n  \"mediaType\": \""
              + MediaTypes.OCI_INDEX
              + "\",\n"
              + "  \"manifests\": [ { \"mediaType\": \""
              + MediaTypes.OCI_MANIFEST
              + "\", \"digest\": \"sha256:"
              + "a".repeat(64)
              + "\", \"size\": 345, \"platform\": { \"architecture\": \"arm\", \"os\": \"linux\","
              + " \"variant\": \"v7\", \"os.version\": \"x\" }, \"annotations\": {\"k\": \"v\"} } ],\n"
              + "  \"subject\": null\n}\n")
          .getBytes(StandardCharsets.UTF_8);

  private static final byte[] BLOB = "blob bytes, as stored".getBytes(StandardCharsets.UTF_8);

  @TempDir Path tmp;

  private FakeRegistry registry;

  @BeforeEach
  void start() throws IOException {
    registry = new FakeRegistry();
  }

  @AfterEach
  void stop() {
    registry.close();
  }

  @Test
  void apiHost_dockerHub_isRegistry1() {
    assertEquals("registry-1.docker.io", RegistryFetcher.apiHost("docker.io"));
    assertEquals("registry-1.docker.io", RegistryFetcher.apiHost(ImageReference.DOCKER_HUB));
    assertEquals("ghcr.io", RegistryFetcher.apiHost("ghcr.io"));
    assertEquals("127.0.0.1:5000", RegistryFetcher.apiHost("127.0.0.1:5000"));
  }

  @Test
  void allowsInsecure_loopbackOrListedOnly() {
    RegistryOptions none = RegistryOptions.defaults();
    assertTrue(none.allowsInsecure(ImageReference.parse("127.0.0.1:5000/app")));
    assertTrue(none.allowsInsecure(ImageReference.parse("localhost:5000/app")));
    assertTrue(none.allowsInsecure(ImageReference.parse("[::1]:5000/app")));
    assertFalse(none.allowsInsecure(ImageReference.parse("registry.lan:5000/app")));
    assertFalse(none.allowsInsecure(ImageReference.parse("nginx")));

    RegistryOptions listed = none.withInsecureRegistries(Set.of("Registry.LAN:5000"));
    assertTrue(listed.allowsInsecure(ImageReference.parse("registry.lan:5000/app")));
    assertFalse(listed.allowsInsecure(ImageReference.parse("registry.lan/app")));
    assertFalse(listed.allowsInsecure(ImageReference.parse("registry.lan:5001/app")));
  }

  @Test
  void options_badInsecureEntry_isBadOption() {
    Oci2vmException e =
        assertThrows(
            Oci2vmException.class,
            () -> RegistryOptions.defaults().withInsecureRegistries(Set.of("http://r.lan:5000")));
    assertEquals(ErrorCode.BAD_OPTION, e.code());
  }

  @Test
  void options_userWithoutPassword_isBadOption() {
    Oci2vmException e =
        assertThrows(
            Oci2vmException.class, () -> RegistryOptions.defaults().withCredentials("u", null));
    assertEquals(ErrorCode.BAD_OPTION, e.code());
  }

  @Test
  void options_toString_hidesPassword() {
    String s = RegistryOptions.defaults().withCredentials("alice", "s3cret").toString();
    assertTrue(s.contains("alice"), s);
    assertFalse(s.contains("s3cret"), s);
  }

  @Test
  void options_defaults_readDockerConfigJson() {
    Path config = RegistryOptions.defaults().dockerConfig();
    assertEquals("config.json", config.getFileName().toString());
  }

  @Test
  void fetchRootManifest_returnsBytesAsReceived() throws IOException {
    registry.manifest("v1", MediaTypes.OCI_INDEX + "; charset=utf-8", INDEX);
    try (RegistryFetcher fetcher = open("127.0.0.1:" + registry.port() + "/test/app:v1")) {
      FetchedManifest m = fetcher.fetchRootManifest();
      assertArrayEquals(INDEX, m.bytes());
      assertEquals(Digest.of(INDEX), m.digest());
      assertEquals(MediaTypes.OCI_INDEX, m.mediaType());
      assertTrue(fetcher.isRemote());
    }
  }

  @Test
  void fetchRootManifest_sendsAcceptForIndexesAndManifests() throws IOException {
    registry.manifest("v1", MediaTypes.DOCKER_LIST, INDEX);
    try (RegistryFetcher fetcher = open("127.0.0.1:" + registry.port() + "/test/app:v1")) {
      fetcher.fetchRootManifest();
    }
    String accept = registry.lastHeader("/v2/test/app/manifests/v1", "Accept");
    for (String type :
        List.of(
            MediaTypes.OCI_INDEX,
            MediaTypes.OCI_MANIFEST,
            MediaTypes.DOCKER_LIST,
            MediaTypes.DOCKER_MANIFEST)) {
      assertTrue(accept.contains(type), accept);
    }
  }

  @Test
  void fetchManifest_byDigest() throws IOException {
    Digest digest = Digest.of(INDEX);
    registry.manifest(digest.toString(), "application/json", INDEX);
    try (RegistryFetcher fetcher = open("127.0.0.1:" + registry.port() + "/test/app:v1")) {
      FetchedManifest m = fetcher.fetchManifest(Descriptor.of(MediaTypes.OCI_INDEX, digest, 1));
      assertArrayEquals(INDEX, m.bytes());
      assertNull(m.mediaType(), "a generic Content-Type declares nothing");
    }
  }

  @Test
  void fetchRootManifest_schema1_isUnknownMediaType() {
    registry.manifest(
        "old", "application/vnd.docker.distribution.manifest.v1+prettyjws", "{}".getBytes());
    Oci2vmException e = fetchRootFails("127.0.0.1:" + registry.port() + "/test/app:old");
    assertEquals(ErrorCode.UNKNOWN_MEDIA_TYPE, e.code());
  }

  @Test
  void fetchRootManifest_missingTag_isNotFound() {
    Oci2vmException e = fetchRootFails("127.0.0.1:" + registry.port() + "/test/app:nope");
    assertEquals(ErrorCode.NOT_FOUND, e.code());
    assertTrue(e.getMessage().contains("test/app"), e.getMessage());
    assertTrue(e.getMessage().contains("MANIFEST_UNKNOWN"), e.getMessage());
  }

  @Test
  void fetchRootManifest_serverError_isRegistryError() {
    registry.route("/v2/test/app/manifests/v1", x -> FakeRegistry.Reply.of(500, null, new byte[0]));
    Oci2vmException e = fetchRootFails("127.0.0.1:" + registry.port() + "/test/app:v1");
    assertEquals(ErrorCode.REGISTRY_ERROR, e.code());
    assertTrue(e.getMessage().contains("500"), e.getMessage());
  }

  @Test
  void fetchRootManifest_overLimit_isTooLarge() throws IOException {
    registry.manifest("v1", MediaTypes.OCI_INDEX, INDEX);
    RegistryOptions options = optionsWithoutDockerConfig().withMaxManifestBytes(INDEX.length - 1);
    try (RegistryFetcher fetcher =
        RegistryFetcher.open(
            ImageReference.parse("127.0.0.1:" + registry.port() + "/test/app:v1"), options)) {
      Oci2vmException e = assertThrows(Oci2vmException.class, fetcher::fetchRootManifest);
      assertEquals(ErrorCode.MANIFEST_TOO_LARGE, e.code());
    }
  }

  @Test
  void fetchRootManifest_plainHttpNotOnLoopback_isInsecureRegistry() {
    registry.manifest("v1", MediaTypes.OCI_INDEX, INDEX);
    // 0.0.0.0 reaches this machine on Linux but is not a loopback name, so it must be HTTPS.
    String host = "0.0.0.0:" + registry.port();
    Oci2vmException e = fetchRootFails(host + "/test/app:v1");
    assertEquals(ErrorCode.INSECURE_REGISTRY, e.code());
    assertTrue(e.getMessage().contains("--insecure-registry " + host), e.getMessage());
    assertEquals(List.of(), registry.requests(), "nothing may go over plain HTTP");
  }

  @Test
  void fetchRootManifest_plainHttpListedInsecure_works() throws IOException {
    registry.manifest("v1", MediaTypes.OCI_INDEX, INDEX);
    String host = "0.0.0.0:" + registry.port();
    RegistryOptions options = optionsWithoutDockerConfig().withInsecureRegistries(Set.of(host));
    try (RegistryFetcher fetcher =
        RegistryFetcher.open(ImageReference.parse(host + "/test/app:v1"), options)) {
      assertArrayEquals(INDEX, fetcher.fetchRootManifest().bytes());
    }
  }

  @Test
  void fetchRootManifest_nothingListening_isRegistryErrorNamingRegistry() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Oci2vmException e = fetchRootFails("127.0.0.1:" + port + "/test/app:v1");
    assertEquals(ErrorCode.REGISTRY_ERROR, e.code());
    assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
  }

  @Test
  void fetchRootManifest_basicAuth_usesDockerConfigAuths() throws IOException {
    registry.requireBasic("alice", "s3cret");
    registry.manifest("v1", MediaTypes.OCI_INDEX, INDEX);
    String host = "127.0.0.1:" + registry.port();
    Path config = dockerConfig(host, "alice", "s3cret");
    RegistryOptions options = RegistryOptions.defaults().withDockerConfig(config);
    try (RegistryFetcher fetcher =
        RegistryFetcher.open(ImageReference.parse(host + "/test/app:v1"), options)) {
      assertArrayEquals(INDEX, fetcher.fetchRootManifest().bytes());
    }
    assertEquals(
        "Basic " + base64("alice:s3cret"),
        registry.lastHeader("/v2/test/app/manifests/v1", "Authorization"));
  }

  @Test
  void fetchRootManifest_basicAuthNoCredentials_isAuthFailedWithLoginHint() {
    registry.requireBasic("alice", "s3cret");
    registry.manifest("v1", MediaTypes.OCI_INDEX, INDEX);
    Oci2vmException e = fetchRootFails("127.0.0.1:" + registry.port() + "/test/app:v1");
    assertEquals(ErrorCode.AUTH_FAILED, e.code());
    assertTrue(
        e.getMessage().contains("docker login 127.0.0.1:" + registry.port()), e.getMessage());
    assertTrue(e.getMessage().contains("test/app"), e.getMessage());
  }

  @Test
  void fetchRootManifest_wrongCredentials_isAuthFailed() throws IOException {
    registry.requireBasic("alice", "s3cret");
    registry.manifest("v1", MediaTypes.OCI_INDEX, INDEX);
    String host = "127.0.0.1:" + registry.port();
    RegistryOptions options =
        RegistryOptions.defaults().withDockerConfig(dockerConfig(host, "alice", "wrong"));
    try (RegistryFetcher fetcher =
        RegistryFetcher.open(ImageReference.parse(host + "/test/app:v1"), options)) {
      Oci2vmException e = assertThrows(Oci2vmException.class, fetcher::fetchRootManifest);
      assertEquals(ErrorCode.AUTH_FAILED, e.code());
      assertTrue(e.getMessage().contains("credentials from " + options.dockerConfig()));
    }
  }

  @Test
  void fetchRootManifest_explicitCredentials_winOverDockerConfig() throws IOException {
    registry.requireBasic("alice", "s3cret");
    registry.manifest("v1", MediaTypes.OCI_INDEX, INDEX);
    String host = "127.0.0.1:" + registry.port();
    RegistryOptions options =
        RegistryOptions.defaults()
            .withDockerConfig(dockerConfig(host, "alice", "wrong"))
            .withCredentials("alice", "s3cret");
    try (RegistryFetcher fetcher =
        RegistryFetcher.open(ImageReference.parse(host + "/test/app:v1"), options)) {
      assertArrayEquals(INDEX, fetcher.fetchRootManifest().bytes());
    }
  }

  @Test
  void fetchRootManifest_bearerChallenge_fetchesTokenWithCredentials() throws IOException {
    registry.requireBearer("alice", "s3cret", "tok-123");
    registry.manifest("v1", MediaTypes.OCI_INDEX, INDEX);
    String host = "127.0.0.1:" + registry.port();
    RegistryOptions options =
        RegistryOptions.defaults().withDockerConfig(dockerConfig(host, "alice", "s3cret"));
    try (RegistryFetcher fetcher =
        RegistryFetcher.open(ImageReference.parse(host + "/test/app:v1"), options)) {
      assertArrayEquals(INDEX, fetcher.fetchRootManifest().bytes());
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      registry.blob(BLOB);
      fetcher.writeBlob(blobDescriptor(), out);
      assertArrayEquals(BLOB, out.toByteArray());
    }
    assertEquals("Basic " + base64("alice:s3cret"), registry.lastHeader("/token", "Authorization"));
    assertTrue(registry.lastQuery("/token").contains("scope=repository:test/app:pull"));
    assertEquals(
        "Bearer tok-123", registry.lastHeader("/v2/test/app/manifests/v1", "Authorization"));
  }

  @Test
  void writeBlob_streamsBytesAndLeavesStreamOpen() throws IOException {
    registry.blob(BLOB);
    try (RegistryFetcher fetcher = open("127.0.0.1:" + registry.port() + "/test/app:v1")) {
      boolean[] closed = {false};
      ByteArrayOutputStream out =
          new ByteArrayOutputStream() {
            @Override
            public void close() {
              closed[0] = true;
            }
          };
      fetcher.writeBlob(blobDescriptor(), out);
      assertArrayEquals(BLOB, out.toByteArray());
      assertFalse(closed[0], "the caller owns the stream");
    }
  }

  @Test
  void writeBlob_callerStreamFails_rethrowsItsException() throws IOException {
    registry.blob(BLOB);
    IOException stop = new IOException("stop here");
    OutputStream failing =
        new OutputStream() {
          @Override
          public void write(int b) throws IOException {
            throw stop;
          }

          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            throw stop;
          }
        };
    try (RegistryFetcher fetcher = open("127.0.0.1:" + registry.port() + "/test/app:v1")) {
      IOException e =
          assertThrows(IOException.class, () -> fetcher.writeBlob(blobDescriptor(), failing));
      assertSame(stop, e);
    }
  }

  @Test
  void writeBlob_missing_isNotFound() throws IOException {
    try (RegistryFetcher fetcher = open("127.0.0.1:" + registry.port() + "/test/app:v1")) {
      Oci2vmException e =
          assertThrows(
              Oci2vmException.class,
              () -> fetcher.writeBlob(blobDescriptor(), new ByteArrayOutputStream()));
      assertEquals(ErrorCode.NOT_FOUND, e.code());
      assertTrue(e.getMessage().contains(Digest.of(BLOB).toString()), e.getMessage());
    }
  }

  @Test
  void openBlob_readsStagedCopy() throws IOException {
    registry.blob(BLOB);
    try (RegistryFetcher fetcher = open("127.0.0.1:" + registry.port() + "/test/app:v1");
        InputStream in = fetcher.openBlob(blobDescriptor())) {
      assertArrayEquals(BLOB, in.readAllBytes());
    }
  }

  @Test
  void openBlob_longerThanDeclared_isSizeMismatch() throws IOException {
    registry.blob(BLOB);
    Descriptor shortDescriptor =
        Descriptor.of(MediaTypes.OCI_LAYER, Digest.of(BLOB), BLOB.length - 1);
    try (RegistryFetcher fetcher = open("127.0.0.1:" + registry.port() + "/test/app:v1")) {
      Oci2vmException e =
          assertThrows(Oci2vmException.class, () -> fetcher.openBlob(shortDescriptor));
      assertEquals(ErrorCode.SIZE_MISMATCH, e.code());
    }
  }

  @Test
  void describe_namesRegistryAndReference() throws IOException {
    try (RegistryFetcher fetcher = open("127.0.0.1:5000/test/app:v1")) {
      assertEquals("registry 127.0.0.1:5000/test/app:v1", fetcher.describe());
    }
  }

  private static Descriptor blobDescriptor() {
    return Descriptor.of(MediaTypes.OCI_LAYER, Digest.of(BLOB), BLOB.length);
  }

  private RegistryOptions optionsWithoutDockerConfig() {
    return RegistryOptions.defaults().withDockerConfig(tmp.resolve("absent/config.json"));
  }

  private RegistryFetcher open(String reference) {
    return RegistryFetcher.open(ImageReference.parse(reference), optionsWithoutDockerConfig());
  }

  private Oci2vmException fetchRootFails(String reference) {
    try (RegistryFetcher fetcher = open(reference)) {
      return assertThrows(Oci2vmException.class, fetcher::fetchRootManifest);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private Path dockerConfig(String registryHost, String user, String password) throws IOException {
    Path dir = Files.createTempDirectory(tmp, "docker");
    Path config = dir.resolve("config.json");
    Files.writeString(
        config,
        "{\"auths\":{\""
            + registryHost
            + "\":{\"auth\":\""
            + base64(user + ":" + password)
            + "\"}}}");
    return config;
  }

  private static String base64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * A fake distribution API on a plain socket: manifests by tag or digest, blobs, optional basic or
   * bearer auth. It answers a TLS handshake with a plain-HTTP 400, as Go's HTTP server (and so the
   * real registry) does, which is how a client learns that a server speaks no TLS. The JDK's own
   * HTTP server would wait for more bytes instead.
   */
  static final class FakeRegistry implements AutoCloseable {
    private final ServerSocket socket;
    private final ExecutorService workers = Executors.newCachedThreadPool();
    private final Map<String, Handler> routes = new ConcurrentHashMap<>();
    private final List<Exchange> requests = new CopyOnWriteArrayList<>();
    private volatile String basicUser;
    private volatile String basicPassword;
    private volatile String bearerToken;

    /** One request; headers are keyed in lower case. */
    record Exchange(String method, String path, String query, Map<String, String> headers) {
      String header(String name) {
        return headers.get(name.toLowerCase(Locale.ROOT));
      }
    }

    /** One response. */
    record Reply(int status, String contentType, byte[] body, Map<String, String> headers) {
      static Reply of(int status, String contentType, byte[] body) {
        return new Reply(status, contentType, body, Map.of());
      }
    }

    interface Handler {
      Reply handle(Exchange exchange);
    }

    FakeRegistry() throws IOException {
      socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      workers.execute(this::acceptLoop);
    }

    int port() {
      return socket.getLocalPort();
    }

    void route(String path, Handler handler) {
      routes.put(path, handler);
    }

    void manifest(String qualifier, String contentType, byte[] body) {
      route("/v2/test/app/manifests/" + qualifier, x -> Reply.of(200, contentType, body));
    }

    void blob(byte[] body) {
      route("/v2/test/app/blobs/" + Digest.of(body), x -> Reply.of(200, null, body));
    }

    void requireBasic(String user, String password) {
      basicUser = user;
      basicPassword = password;
    }

    void requireBearer(String user, String password, String token) {
      requireBasic(user, password);
      bearerToken = token;
      route(
          "/token",
          x -> {
            String expected = "Basic " + base64(user + ":" + password);
            if (!expected.equals(x.header("Authorization"))) {
              return Reply.of(401, "application/json", "{}".getBytes(StandardCharsets.UTF_8));
            }
            return Reply.of(
                200,
                "application/json",
                ("{\"token\":\"" + token + "\"}").getBytes(StandardCharsets.UTF_8));
          });
    }

    /** Requests seen, in order. */
    List<Exchange> requests() {
      return List.copyOf(requests);
    }

    String lastHeader(String path, String header) {
      String found = null;
      for (Exchange x : requests) {
        if (x.path().equals(path)) {
          found = x.header(header);
        }
      }
      return found;
    }

    String lastQuery(String path) {
      String found = null;
      for (Exchange x : requests) {
        if (x.path().equals(path)) {
          found = x.query();
        }
      }
      return found;
    }

    private void acceptLoop() {
      while (!socket.isClosed()) {
        try {
          Socket connection = socket.accept();
          workers.execute(() -> serve(connection));
        } catch (IOException | RejectedExecutionException e) {
          return;
        }
      }
    }

    private void serve(Socket connection) {
      try (connection;
          InputStream in = new BufferedInputStream(connection.getInputStream());
          OutputStream out = connection.getOutputStream()) {
        in.mark(1);
        if (in.read() == 0x16) { // a TLS handshake record
          out.write(
              "HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n"
                  .getBytes(StandardCharsets.US_ASCII));
          return;
        }
        in.reset();
        String[] requestLine = readLine(in).split(" ");
        Map<String, String> headers = new HashMap<>();
        for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
          int colon = line.indexOf(':');
          headers.put(
              line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
              line.substring(colon + 1).trim());
        }
        URI uri = URI.create(requestLine[1]);
        Exchange exchange =
            new Exchange(requestLine[0], uri.getRawPath(), uri.getRawQuery(), headers);
        requests.add(exchange);
        write(out, exchange.method(), reply(exchange));
      } catch (IOException | RuntimeException e) {
        // the client went away; nothing to do
      }
    }

    private Reply reply(Exchange x) {
      if (!x.path().equals("/token") && !authorized(x.header("Authorization"))) {
        return new Reply(
            401,
            "application/json",
            "{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}".getBytes(StandardCharsets.UTF_8),
            Map.of("WWW-Authenticate", challenge()));
      }
      Handler handler = routes.get(x.path());
      if (handler != null) {
        return handler.handle(x);
      }
      if (x.path().equals("/v2/")) {
        return Reply.of(200, "application/json", "{}".getBytes(StandardCharsets.UTF_8));
      }
      String code = x.path().contains("/blobs/") ? "BLOB_UNKNOWN" : "MANIFEST_UNKNOWN";
      return Reply.of(
          404,
          "application/json",
          ("{\"errors\":[{\"code\":\"" + code + "\",\"message\":\"unknown\"}]}")
              .getBytes(StandardCharsets.UTF_8));
    }

    private static void write(OutputStream out, String method, Reply reply) throws IOException {
      StringBuilder head = new StringBuilder("HTTP/1.1 ").append(reply.status()).append(" X\r\n");
      head.append("Connection: close\r\n");
      head.append("Content-Length: ").append(reply.body().length).append("\r\n");
      if (reply.contentType() != null) {
        head.append("Content-Type: ").append(reply.contentType()).append("\r\n");
      }
      reply.headers().forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
      out.write(head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
      if (!method.equals("HEAD")) {
        out.write(reply.body());
      }
      out.flush();
    }

    private static String readLine(InputStream in) throws IOException {
      StringBuilder line = new StringBuilder();
      for (int c = in.read(); c != '\n'; c = in.read()) {
        if (c < 0) {
          throw new IOException("connection closed mid-request");
        }
        if (c != '\r') {
          line.append((char) c);
        }
      }
      return line.toString();
    }

    private boolean authorized(String authorization) {
      if (basicUser == null) {
        return true;
      }
      if (bearerToken != null) {
        return ("Bearer " + bearerToken).equals(authorization);
      }
      return ("Basic " + base64(basicUser + ":" + basicPassword)).equals(authorization);
    }

    private String challenge() {
      if (bearerToken != null) {
        return "Bearer realm=\"http://127.0.0.1:"
            + port()
            + "/token\",service=\"fake\",scope=\"repository:test/app:pull\"";
      }
      return "Basic realm=\"fake\"";
    }

    @Override
    public void close() {
      try {
        socket.close();
      } catch (IOException ignored) {
        // closing anyway
      }
      workers.shutdownNow();
    }
  }
}
