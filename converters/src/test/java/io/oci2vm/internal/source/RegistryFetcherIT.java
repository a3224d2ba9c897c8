package io.oci2vm.internal.source;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.oci2vm.Descriptor;
import io.oci2vm.Digest;
import io.oci2vm.ErrorCode;
import io.oci2vm.ImageReference;
import io.oci2vm.MediaTypes;
import io.oci2vm.Oci2vmException;
import io.oci2vm.Platform;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pulls from real registries (Debian's {@code docker-registry}, distribution 2.8) on 127.0.0.1: an
 * open one, one behind htpasswd basic auth, one behind Docker Hub-style token auth (our token
 * server signs the JWTs) and one serving HTTPS with a self-signed certificate. Images are built
 * with umoci and pushed with skopeo.
 */
@Timeout(120)
class RegistryFetcherIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String USER = "alice";
  private static final String PASSWORD = "s3cret";
  private static final String SERVICE = "oci2vm-test";
  private static final String ISSUER = "oci2vm-test-issuer";

  @TempDir static Path tmp;

  private static final List<Process> processes = new ArrayList<>();
  private static HttpServer tokenServer;
  private static String open;
  private static String basic;
  private static String token;
  private static int tlsPort;
  private static byte[] indexBytes;

  @BeforeAll
  static void startRegistriesAndPush() throws Exception {
    Path layout = buildLayout();

    open = startRegistry("open", "");
    Path htpasswd = tmp.resolve("htpasswd");
    Files.writeString(htpasswd, run("htpasswd", "-Bbn", USER, PASSWORD));
    basic = startRegistry("basic", "auth:\n  htpasswd:\n    realm: test\n    path: " + htpasswd);

    run(
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=oci2vm-test",
        "-keyout",
        tmp.resolve("key.pem").toString(),
        "-out",
        tmp.resolve("cert.pem").toString());
    int tokenPort = startTokenServer();
    token =
        startRegistry(
            "token",
            "auth:\n  token:\n    realm: http://127.0.0.1:"
                + tokenPort
                + "/token\n    service: "
                + SERVICE
                + "\n    issuer: "
                + ISSUER
                + "\n    rootcertbundle: "
                + tmp.resolve("cert.pem"));
    String tls =
        startRegistry(
            "tls",
            "",
            "  tls:\n    certificate: "
                + tmp.resolve("cert.pem")
                + "\n    key: "
                + tmp.resolve("key.pem")
                + "\n");
    tlsPort = Integer.parseInt(tls.substring(tls.indexOf(':') + 1));

    push(layout, "amd", open, "test/app:oci", List.of());
    push(layout, "amd", open, "test/app:docker", List.of("--format", "v2s2"));
    push(layout, "multi", open, "test/app:index", List.of("--all", "--preserve-digests"));
    push(layout, "multi", open, "test/app:list", List.of("--all", "--format", "v2s2"));
    List<String> creds =
        List.of("--all", "--format", "v2s2", "--dest-creds", USER + ":" + PASSWORD);
    push(layout, "multi", basic, "test/app:list", creds);
    push(layout, "multi", token, "test/app:list", creds);
    push(layout, "amd", tls, "test/app:oci", List.of("--dest-tls-verify=false"));
  }

  @AfterAll
  static void stopAll() throws InterruptedException {
    for (Process p : processes) {
      p.destroy();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
    if (tokenServer != null) {
      tokenServer.stop(0);
    }
  }

  @Test
  void fetchRootManifest_ociIndex_bytesExactlyAsPushed() throws IOException {
    try (RegistryFetcher fetcher = anonymous(open + "/test/app:index")) {
      FetchedManifest m = fetcher.fetchRootManifest();
      assertArrayEquals(indexBytes, m.bytes());
      assertEquals(Digest.of(indexBytes), m.digest());
      assertEquals(MediaTypes.OCI_INDEX, m.mediaType());
    }
  }

  @Test
  void fetchRootManifest_ociIndexByDigest() throws IOException {
    try (RegistryFetcher fetcher = anonymous(open + "/test/app@" + Digest.of(indexBytes))) {
      assertArrayEquals(indexBytes, fetcher.fetchRootManifest().bytes());
    }
  }

  @Test
  void dockerList_resolvesPlatformManifestAndConfig() throws IOException {
    try (RegistryFetcher fetcher = anonymous(open + "/test/app:list")) {
      assertPullsArm64Config(fetcher);
    }
  }

  @Test
  void fetchRootManifest_ociAndDockerManifests() throws IOException {
    try (RegistryFetcher fetcher = anonymous(open + "/test/app:oci")) {
      FetchedManifest m = fetcher.fetchRootManifest();
      assertEquals(MediaTypes.OCI_MANIFEST, m.mediaType());
      assertNotNull(JSON.readTree(m.bytes()).get("config").get("digest"));
    }
    try (RegistryFetcher fetcher = anonymous(open + "/test/app:docker")) {
      FetchedManifest m = fetcher.fetchRootManifest();
      assertEquals(MediaTypes.DOCKER_MANIFEST, m.mediaType());
      JsonNode layer = JSON.readTree(m.bytes()).get("layers").get(0);
      assertEquals(MediaTypes.DOCKER_LAYER_GZIP, layer.get("mediaType").asText());
      Descriptor d =
          Descriptor.of(
              layer.get("mediaType").asText(),
              Digest.parse(layer.get("digest").asText()),
              layer.get("size").asLong());
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      fetcher.writeBlob(d, out);
      assertEquals(d.digest(), Digest.of(out.toByteArray()));
      assertEquals(d.size(), out.size());
    }
  }

  @Test
  void fetchRootManifest_unknownTagOrRepository_isNotFound() {
    assertEquals(ErrorCode.NOT_FOUND, rootFails(anonymous(open + "/test/app:nope")).code());
    assertEquals(ErrorCode.NOT_FOUND, rootFails(anonymous(open + "/test/other:v1")).code());
  }

  @Test
  void basicAuth_anonymous_isAuthFailed() {
    Oci2vmException e = rootFails(anonymous(basic + "/test/app:list"));
    assertEquals(ErrorCode.AUTH_FAILED, e.code());
    assertTrue(e.getMessage().contains("docker login " + basic), e.getMessage());
  }

  @Test
  void basicAuth_dockerConfigAuths_pulls() throws IOException {
    try (RegistryFetcher fetcher = withConfig(basic + "/test/app:list", basic, PASSWORD)) {
      assertPullsArm64Config(fetcher);
    }
  }

  @Test
  void basicAuth_wrongPassword_isAuthFailed() {
    assertEquals(
        ErrorCode.AUTH_FAILED, rootFails(withConfig(basic + "/test/app:list", basic, "x")).code());
  }

  @Test
  void tokenAuth_anonymous_isAuthFailed() {
    Oci2vmException e = rootFails(anonymous(token + "/test/app:list"));
    assertEquals(ErrorCode.AUTH_FAILED, e.code());
  }

  @Test
  void tokenAuth_dockerConfigAuths_pullsWithBearerToken() throws IOException {
    try (RegistryFetcher fetcher = withConfig(token + "/test/app:list", token, PASSWORD)) {
      assertPullsArm64Config(fetcher);
    }
  }

  @Test
  void tokenAuth_explicitWrongPassword_isAuthFailed() {
    RegistryFetcher fetcher =
        RegistryFetcher.open(
            ImageReference.parse(token + "/test/app:list"),
            noDockerConfig().withCredentials(USER, "wrong"));
    assertEquals(ErrorCode.AUTH_FAILED, rootFails(fetcher).code());
  }

  @Test
  void plainHttp_notLoopbackNotListed_isInsecureRegistry() {
    String name = "0.0.0.0" + open.substring(open.indexOf(':'));
    Oci2vmException e = rootFails(anonymous(name + "/test/app:oci"));
    assertEquals(ErrorCode.INSECURE_REGISTRY, e.code());
    assertTrue(e.getMessage().contains("--insecure-registry " + name), e.getMessage());
  }

  @Test
  void plainHttp_listedInsecure_pulls() throws IOException {
    String name = "0.0.0.0" + open.substring(open.indexOf(':'));
    try (RegistryFetcher fetcher =
        RegistryFetcher.open(
            ImageReference.parse(name + "/test/app:oci"),
            noDockerConfig().withInsecureRegistries(Set.of(name)))) {
      assertEquals(MediaTypes.OCI_MANIFEST, fetcher.fetchRootManifest().mediaType());
    }
  }

  @Test
  void selfSignedHttps_onLoopback_pulls() throws IOException {
    try (RegistryFetcher fetcher = anonymous("127.0.0.1:" + tlsPort + "/test/app:oci")) {
      assertEquals(MediaTypes.OCI_MANIFEST, fetcher.fetchRootManifest().mediaType());
    }
  }

  @Test
  void selfSignedHttps_notLoopbackNotListed_isInsecureRegistry() {
    Oci2vmException e = rootFails(anonymous("0.0.0.0:" + tlsPort + "/test/app:oci"));
    assertEquals(ErrorCode.INSECURE_REGISTRY, e.code());
  }

  /** Reads the list, picks linux/arm64 (variant v8), its manifest and its config blob. */
  private static void assertPullsArm64Config(RegistryFetcher fetcher) throws IOException {
    FetchedManifest list = fetcher.fetchRootManifest();
    assertEquals(MediaTypes.DOCKER_LIST, list.mediaType());
    JsonNode entry = null;
    for (JsonNode m : JSON.readTree(list.bytes()).get("manifests")) {
      JsonNode p = m.get("platform");
      Platform platform =
          new Platform(
              p.get("os").asText(),
              p.get("architecture").asText(),
              p.has("variant") ? p.get("variant").asText() : null);
      if (platform.equals(new Platform("linux", "arm64", "v8"))) {
        entry = m;
      }
    }
    assertNotNull(entry, "the list keeps the platform variant");
    FetchedManifest manifest = fetcher.fetchManifest(descriptor(entry));
    assertEquals(MediaTypes.DOCKER_MANIFEST, manifest.mediaType());
    assertEquals(Digest.parse(entry.get("digest").asText()), manifest.digest());
    Descriptor config = descriptor(JSON.readTree(manifest.bytes()).get("config"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    fetcher.writeBlob(config, out);
    assertEquals(config.digest(), Digest.of(out.toByteArray()));
    assertEquals("arm64", JSON.readTree(out.toByteArray()).get("architecture").asText());
  }

  private static Descriptor descriptor(JsonNode node) {
    return Descriptor.of(
        node.get("mediaType").asText(),
        Digest.parse(node.get("digest").asText()),
        node.get("size").asLong());
  }

  private static Oci2vmException rootFails(RegistryFetcher fetcher) {
    try (fetcher) {
      return assertThrows(Oci2vmException.class, fetcher::fetchRootManifest);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static RegistryOptions noDockerConfig() {
    return RegistryOptions.defaults().withDockerConfig(tmp.resolve("absent/config.json"));
  }

  private static RegistryFetcher anonymous(String reference) {
    return RegistryFetcher.open(ImageReference.parse(reference), noDockerConfig());
  }

  private static RegistryFetcher withConfig(String reference, String registry, String password) {
    try {
      Path config = Files.createTempDirectory(tmp, "docker").resolve("config.json");
      String auth =
          Base64.getEncoder()
              .encodeToString((USER + ":" + password).getBytes(StandardCharsets.UTF_8));
      Files.writeString(config, "{\"auths\":{\"" + registry + "\":{\"auth\":\"" + auth + "\"}}}");
      return RegistryFetcher.open(
          ImageReference.parse(reference), RegistryOptions.defaults().withDockerConfig(config));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /**
   * An OCI layout with {@code amd} (linux/amd64), {@code arm} (linux/arm64) and {@code multi}, an
   * index of both whose JSON is laid out oddly so that only a byte-exact pull reproduces it.
   */
  private static Path buildLayout() throws Exception {
    Path layout = tmp.resolve("oci");
    Path file = tmp.resolve("hello.txt");
    Files.writeString(file, "hello\n");
    run("umoci", "init", "--layout", layout.toString());
    run("umoci", "new", "--image", layout + ":amd");
    run("umoci", "insert", "--image", layout + ":amd", file.toString(), "/hello.txt");
    run("umoci", "new", "--image", layout + ":arm");
    run("umoci", "config", "--image", layout + ":arm", "--architecture", "arm64");
    run("umoci", "insert", "--image", layout + ":arm", file.toString(), "/hello-arm.txt");

    ObjectNode index = (ObjectNode) JSON.readTree(layout.resolve("index.json").toFile());
    ArrayNode refs = (ArrayNode) index.get("manifests");
    ObjectNode multi = JSON.createObjectNode();
    multi.put("schemaVersion", 2).put("mediaType", MediaTypes.OCI_INDEX);
    ArrayNode entries = multi.putArray("manifests");
    for (JsonNode ref : refs) {
      String name = ref.get("annotations").get("org.opencontainers.image.ref.name").asText();
      ObjectNode entry = entries.addObject();
      entry.put("mediaType", ref.get("mediaType").asText());
      entry.put("digest", ref.get("digest").asText());
      entry.put("size", ref.get("size").asLong());
      ObjectNode platform = entry.putObject("platform");
      platform.put("architecture", name.equals("arm") ? "arm64" : "amd64").put("os", "linux");
      if (name.equals("arm")) {
        platform.put("variant", "v8");
      }
    }
    multi.putObject("annotations").put("io.oci2vm.test", "kept");
    indexBytes =
        ("  " + JSON.writerWithDefaultPrettyPrinter().writeValueAsString(multi) + "\n\n")
            .getBytes(StandardCharsets.UTF_8);
    Digest digest = Digest.of(indexBytes);
    Files.write(layout.resolve("blobs/sha256/" + digest.hex()), indexBytes);
    ObjectNode ref = refs.addObject();
    ref.put("mediaType", MediaTypes.OCI_INDEX)
        .put("digest", digest.toString())
        .put("size", indexBytes.length);
    ref.putObject("annotations").put("org.opencontainers.image.ref.name", "multi");
    JSON.writeValue(layout.resolve("index.json").toFile(), index);
    return layout;
  }

  private static void push(
      Path layout, String tag, String registry, String target, List<String> flags)
      throws Exception {
    List<String> command = new ArrayList<>(List.of("skopeo", "copy", "--dest-tls-verify=false"));
    command.addAll(flags);
    command.add("oci:" + layout + ":" + tag);
    command.add("docker://" + registry + "/" + target);
    run(command.toArray(String[]::new));
  }

  private static String startRegistry(String name, String auth) throws Exception {
    return startRegistry(name, auth, "");
  }

  /** Starts {@code docker-registry serve} on a free 127.0.0.1 port; returns host:port. */
  private static String startRegistry(String name, String auth, String httpExtra) throws Exception {
    int port = freePort();
    Path config = tmp.resolve(name + ".yml");
    Files.writeString(
        config,
        "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: "
            + tmp.resolve(name + "-data")
            + "\nhttp:\n  addr: 127.0.0.1:"
            + port
            + "\n"
            + httpExtra
            + auth
            + "\n");
    Process p =
        new ProcessBuilder("docker-registry", "serve", config.toString())
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve(name + ".log").toFile())
            .start();
    processes.add(p);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
        return "127.0.0.1:" + port;
      } catch (IOException notYet) {
        if (!p.isAlive()) {
          break;
        }
        Thread.sleep(100);
      }
    }
    throw new IllegalStateException(
        "registry " + name + " did not start: " + Files.readString(tmp.resolve(name + ".log")));
  }

  /**
   * A token server as Docker Hub's auth.docker.io: GET /token?service=..&scope=.. with optional
   * basic credentials returns a JWT (RS256, certificate in x5c) granting the requested actions to
   * {@link #USER} and nothing to anyone else; wrong credentials get a 401.
   */
  private static int startTokenServer() throws Exception {
    String keyPem = Files.readString(tmp.resolve("key.pem"));
    PrivateKey key =
        KeyFactory.getInstance("RSA")
            .generatePrivate(new PKCS8EncodedKeySpec(pemBody(keyPem, "PRIVATE KEY")));
    String certDer =
        Base64.getEncoder()
            .encodeToString(pemBody(Files.readString(tmp.resolve("cert.pem")), "CERTIFICATE"));
    tokenServer = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    tokenServer.createContext(
        "/token",
        x -> {
          try {
            issueToken(x, key, certDer);
          } catch (Exception e) {
            x.sendResponseHeaders(500, -1);
          } finally {
            x.close();
          }
        });
    tokenServer.start();
    return tokenServer.getAddress().getPort();
  }

  private static void issueToken(HttpExchange x, PrivateKey key, String certDer) throws Exception {
    String authorization = x.getRequestHeaders().getFirst("Authorization");
    String good =
        "Basic "
            + Base64.getEncoder()
                .encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
    if (authorization != null && !authorization.equals(good)) {
      x.sendResponseHeaders(401, -1);
      return;
    }
    ObjectNode claims = JSON.createObjectNode();
    long now = Instant.now().getEpochSecond();
    String service = SERVICE;
    ArrayNode access = claims.putArray("access");
    String query = URI.create(x.getRequestURI().toString()).getQuery();
    for (String param : query == null ? new String[0] : query.split("&")) {
      if (param.startsWith("service=")) {
        service = param.substring("service=".length());
      }
      if (param.startsWith("scope=") && authorization != null) {
        String[] scope = param.substring("scope=".length()).split(":");
        ObjectNode grant = access.addObject();
        grant.put("type", scope[0]).put("name", scope[1]);
        ArrayNode actions = grant.putArray("actions");
        for (String action : scope[2].split(",")) {
          actions.add(action);
        }
      }
    }
    claims.put("iss", ISSUER).put("sub", authorization != null ? USER : "");
    claims.put("aud", service).put("exp", now + 300).put("nbf", now - 10).put("iat", now);
    claims.put("jti", Long.toString(System.nanoTime()));
    ObjectNode header = JSON.createObjectNode().put("typ", "JWT").put("alg", "RS256");
    header.putArray("x5c").add(certDer);
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String signingInput =
        b64.encodeToString(JSON.writeValueAsBytes(header))
            + "."
            + b64.encodeToString(JSON.writeValueAsBytes(claims));
    Signature rs256 = Signature.getInstance("SHA256withRSA");
    rs256.initSign(key);
    rs256.update(signingInput.getBytes(StandardCharsets.US_ASCII));
    String jwt = signingInput + "." + b64.encodeToString(rs256.sign());
    byte[] body = JSON.writeValueAsBytes(Map.of("token", jwt, "access_token", jwt));
    x.getResponseHeaders().add("Content-Type", "application/json");
    x.sendResponseHeaders(200, body.length);
    try (OutputStream out = x.getResponseBody()) {
      out.write(body);
    }
  }

  private static byte[] pemBody(String pem, String type) {
    int start = pem.indexOf("-----BEGIN " + type + "-----");
    int end = pem.indexOf("-----END " + type + "-----");
    String base64 = pem.substring(start + type.length() + 16, end).replaceAll("\\s", "");
    return Base64.getDecoder().decode(base64);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** Runs a tool, failing with its output unless it exits 0; returns its standard output. */
  private static String run(String... command) throws Exception {
    Path log = Files.createTempFile(tmp, "cmd", ".log");
    Path err = Files.createTempFile(tmp, "cmd", ".err");
    Process p =
        new ProcessBuilder(command)
            .redirectOutput(log.toFile())
            .redirectError(err.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException(String.join(" ", command) + " timed out");
    }
    if (p.exitValue() != 0) {
      throw new IllegalStateException(
          String.join(" ", command)
              + " exited "
              + p.exitValue()
              + ": "
              + Files.readString(log)
              + Files.readString(err));
    }
    return Files.readString(log);
  }
}
