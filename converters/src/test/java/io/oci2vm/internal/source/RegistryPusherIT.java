package io.oci2vm.internal.source;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.oci2vm.Conversion;
import io.oci2vm.Digest;
import io.oci2vm.ErrorCode;
import io.oci2vm.ImageReference;
import io.oci2vm.ImageSource;
import io.oci2vm.MediaTypes;
import io.oci2vm.Oci2vmException;
import io.oci2vm.ResolvedImage;
import io.oci2vm.fixtures.Compression;
import io.oci2vm.fixtures.Layer;
import io.oci2vm.fixtures.LayerEntry;
import io.oci2vm.fixtures.OciImageBuilder;
import io.oci2vm.fixtures.RegistryLauncher;
import io.oci2vm.fixtures.WrittenImage;
import io.oci2vm.internal.write.OciLayoutWriter;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pushes OCI layouts to real registries (Debian's {@code docker-registry}, started by the fixtures'
 * {@link RegistryLauncher}) on 127.0.0.1, open, behind htpasswd basic auth and behind Docker
 * Hub-style token auth, then reads them back with oci2vm's own pull and with plain HTTP requests.
 */
@Timeout(120)
class RegistryPusherIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String USER = "alice";
  private static final String PASSWORD = "s3cret";
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir static Path tmp;

  private static RegistryLauncher open;
  private static RegistryLauncher basic;
  private static RegistryLauncher token;
  private static Path layout;
  private static WrittenImage image;

  @BeforeAll
  static void startRegistriesAndWriteLayout() {
    layout = tmp.resolve("layout");
    image =
        OciImageBuilder.create()
            .addLayer(Layer.of(Compression.GZIP, LayerEntry.file("hello.txt", "hello\n")))
            .addLayer(Layer.of(Compression.NONE, LayerEntry.file("etc/motd", "welcome\n")))
            .entrypoint("/bin/hello")
            .writeLayout(layout, "v1");
    open = RegistryLauncher.start();
    basic = RegistryLauncher.builder().basicAuth(USER, PASSWORD).start();
    token = RegistryLauncher.builder().tokenAuth(USER, PASSWORD).start();
  }

  @AfterAll
  static void stopRegistries() {
    Stream.of(open, basic, token).filter(Objects::nonNull).forEach(RegistryLauncher::close);
  }

  @Test
  void pushLayout_builtImage_pullsBackWithLayoutDigests() throws IOException {
    Digest pushed = push(layout, "v1", open.address() + "/test/app:v1", noDockerConfig());

    assertEquals(Digest.parse(image.manifestDigest()), pushed);
    ResolvedImage resolved = inspect(open.address() + "/test/app:v1", null);
    assertEquals(pushed, resolved.manifestDigest());
    assertEquals(Digest.parse(image.configDigest()), resolved.configDigest());
    assertEquals(List.of("/bin/hello"), resolved.config().entrypoint());
    assertArrayEquals(layoutBlob(layout, pushed), rawManifest(open, "test/app", "v1", null));
    for (String blob : image.layerDigests()) {
      Digest digest = Digest.parse(blob);
      assertArrayEquals(layoutBlob(layout, digest), rawBlob(open, "test/app", digest));
    }
  }

  @Test
  void pushLayout_twice_skipsPresentBlobsAndKeepsDigest() throws IOException {
    Digest first = push(layout, "v1", open.address() + "/test/twice:a", noDockerConfig());
    Digest second = push(layout, "v1", open.address() + "/test/twice:b", noDockerConfig());

    assertEquals(first, second);
    assertEquals(second, inspect(open.address() + "/test/twice:b", null).manifestDigest());
  }

  @Test
  void pushLayout_annotatedManifest_keepsAnnotationsByteForByte() throws IOException {
    Path annotated = tmp.resolve("annotated");
    Digest written =
        OciLayoutWriter.write(
            annotated,
            "v2",
            List.of(new OciLayoutWriter.Entry("hello.txt", 0644, 0, 0, "hi\n".getBytes())),
            runtime(),
            Map.of("org.opencontainers.image.version", "1.2.3"));

    Digest pushed = push(annotated, "v2", open.address() + "/test/annotated:v2", noDockerConfig());

    assertEquals(written, pushed);
    assertEquals(pushed, inspect(open.address() + "/test/annotated:v2", null).manifestDigest());
    byte[] served = rawManifest(open, "test/annotated", "v2", null);
    assertArrayEquals(layoutBlob(annotated, written), served);
    assertEquals(
        "1.2.3",
        JSON.readTree(served).get("annotations").get("org.opencontainers.image.version").asText());
  }

  @Test
  void pushLayout_oddlyFormattedManifest_isNotReserialised() throws IOException {
    Path odd = tmp.resolve("odd");
    OciLayoutWriter.write(
        odd,
        "v3",
        List.of(new OciLayoutWriter.Entry("a.txt", 0644, 0, 0, "a\n".getBytes())),
        runtime(),
        Map.of());
    // Indented, with a leading space, trailing newlines, an escaped and a literal non-ASCII
    // character: Jackson writing any tree or template again would change these bytes.
    Digest digest = rewriteManifest(odd, "v3", "\"caf\\u00e9 \u2603\"");

    Digest pushed = push(odd, "v3", open.address() + "/test/odd:v3", noDockerConfig());

    assertEquals(digest, pushed);
    assertArrayEquals(layoutBlob(odd, digest), rawManifest(open, "test/odd", "v3", null));
    assertEquals(pushed, inspect(open.address() + "/test/odd:v3", null).manifestDigest());
  }

  @Test
  void pushLayout_byDigest_pushesWithoutTag() throws IOException {
    Digest digest = Digest.parse(image.manifestDigest());
    Digest pushed = push(layout, "v1", open.address() + "/test/bydigest@" + digest, null);

    assertEquals(digest, pushed);
    assertArrayEquals(
        layoutBlob(layout, digest), rawManifest(open, "test/bydigest", digest.toString(), null));
  }

  @Test
  void pushLayout_targetWithOtherDigest_isBadOption() {
    String target = open.address() + "/test/app:v1@sha256:" + "0".repeat(64);
    assertEquals(ErrorCode.BAD_OPTION, pushFails(layout, "v1", target, noDockerConfig()).code());
  }

  @Test
  void pushLayout_tagNotInLayout_isNotFound() {
    Oci2vmException e = pushFails(layout, "nope", open.address() + "/test/app:x", null);
    assertEquals(ErrorCode.NOT_FOUND, e.code());
    assertTrue(e.getMessage().contains("'nope'") && e.getMessage().contains("v1"), e.getMessage());
  }

  @Test
  void pushLayout_imageIndex_isRefused() {
    Path indexLayout = tmp.resolve("index");
    OciImageBuilder.writeIndexLayout(
        indexLayout,
        "multi",
        List.of(
            OciImageBuilder.create()
                .addLayer(Layer.of(Compression.GZIP, LayerEntry.file("x", "x")))));
    Oci2vmException e =
        pushFails(indexLayout, "multi", open.address() + "/test/index:multi", noDockerConfig());
    assertEquals(ErrorCode.UNKNOWN_MEDIA_TYPE, e.code());
  }

  @Test
  void pushLayout_corruptLayer_isDigestMismatchAndNoTag() throws IOException {
    Path corrupt = tmp.resolve("corrupt");
    WrittenImage written =
        OciImageBuilder.create()
            .addLayer(Layer.of(Compression.NONE, LayerEntry.file("c.txt", "corrupt me\n")))
            .writeLayout(corrupt, "v1");
    Path layer =
        corrupt.resolve("blobs/sha256/" + Digest.parse(written.layerDigests().get(0)).hex());
    byte[] bytes = Files.readAllBytes(layer);
    bytes[0] ^= 1;
    Files.write(layer, bytes);

    Oci2vmException e =
        pushFails(corrupt, "v1", open.address() + "/test/corrupt:v1", noDockerConfig());

    assertEquals(ErrorCode.DIGEST_MISMATCH, e.code(), e.getMessage());
    assertEquals(404, manifestStatus(open, "test/corrupt", "v1"));
  }

  @Test
  void basicAuth_dockerConfigAuths_pushes() throws IOException {
    Path config = dockerConfig(basic, PASSWORD);
    Digest pushed =
        push(
            layout,
            "v1",
            basic.address() + "/test/private:v1",
            RegistryOptions.defaults().withDockerConfig(config));

    assertEquals(Digest.parse(image.manifestDigest()), pushed);
    assertEquals(pushed, inspect(basic.address() + "/test/private:v1", config).manifestDigest());
    assertArrayEquals(
        layoutBlob(layout, pushed), rawManifest(basic, "test/private", "v1", basicHeader()));
  }

  @Test
  void basicAuth_noCredentials_isAuthFailed() {
    Oci2vmException e =
        pushFails(layout, "v1", basic.address() + "/test/private:anon", noDockerConfig());
    assertEquals(ErrorCode.AUTH_FAILED, e.code());
    assertTrue(e.getMessage().contains("docker login " + basic.address()), e.getMessage());
    assertTrue(e.getMessage().contains("push blob"), e.getMessage());
  }

  @Test
  void basicAuth_wrongPassword_isAuthFailed() throws IOException {
    RegistryOptions options = RegistryOptions.defaults().withDockerConfig(dockerConfig(basic, "x"));
    Oci2vmException e = pushFails(layout, "v1", basic.address() + "/test/private:wrong", options);
    assertEquals(ErrorCode.AUTH_FAILED, e.code());
    assertTrue(e.getMessage().contains("allow pushing to test/private"), e.getMessage());
  }

  @Test
  void tokenAuth_explicitCredentials_pushesWithPushScopedToken() throws IOException {
    Digest pushed =
        push(
            layout,
            "v1",
            token.address() + "/test/tokened:v1",
            noDockerConfig().withCredentials(USER, PASSWORD));
    assertEquals(Digest.parse(image.manifestDigest()), pushed);
  }

  @Test
  void tokenAuth_noCredentials_isAuthFailed() {
    Oci2vmException e =
        pushFails(layout, "v1", token.address() + "/test/tokened:anon", noDockerConfig());
    assertEquals(ErrorCode.AUTH_FAILED, e.code());
  }

  @Test
  void plainHttp_notLoopbackNotListed_isInsecureRegistry() {
    String name = "0.0.0.0:" + open.port();
    Oci2vmException e = pushFails(layout, "v1", name + "/test/app:v1", noDockerConfig());
    assertEquals(ErrorCode.INSECURE_REGISTRY, e.code());
    assertTrue(e.getMessage().contains("--insecure-registry " + name), e.getMessage());
  }

  @Test
  void plainHttp_listedInsecure_pushes() throws IOException {
    String name = "0.0.0.0:" + open.port();
    Digest pushed =
        push(
            layout,
            "v1",
            name + "/test/listed:v1",
            noDockerConfig().withInsecureRegistries(Set.of(name)));
    assertArrayEquals(layoutBlob(layout, pushed), rawManifest(open, "test/listed", "v1", null));
  }

  private static Digest push(Path dir, String tag, String target, RegistryOptions options)
      throws IOException {
    return RegistryPusher.pushLayout(
        dir, tag, ImageReference.parse(target), options == null ? noDockerConfig() : options);
  }

  private static Oci2vmException pushFails(
      Path dir, String tag, String target, RegistryOptions options) {
    return assertThrows(Oci2vmException.class, () -> push(dir, tag, target, options));
  }

  private static ResolvedImage inspect(String reference, Path dockerConfig) {
    return Conversion.from(ImageSource.parse(reference))
        .cacheDir(tmp.resolve("cache"))
        .dockerConfig(dockerConfig == null ? tmp.resolve("absent/config.json") : dockerConfig)
        .inspect();
  }

  private static RegistryOptions noDockerConfig() {
    return RegistryOptions.defaults().withDockerConfig(tmp.resolve("absent/config.json"));
  }

  private static Path dockerConfig(RegistryLauncher registry, String password) throws IOException {
    Path config = Files.createTempDirectory(tmp, "docker").resolve("config.json");
    String auth =
        Base64.getEncoder()
            .encodeToString((USER + ":" + password).getBytes(StandardCharsets.UTF_8));
    Files.writeString(
        config, "{\"auths\":{\"" + registry.address() + "\":{\"auth\":\"" + auth + "\"}}}");
    return config;
  }

  private static String basicHeader() {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
  }

  private static ObjectNode runtime() {
    ObjectNode runtime = JSON.createObjectNode();
    runtime.putArray("Cmd").add("/bin/sh");
    return runtime;
  }

  private static byte[] layoutBlob(Path dir, Digest digest) throws IOException {
    return Files.readAllBytes(dir.resolve("blobs/sha256").resolve(digest.hex()));
  }

  /**
   * Rewrites the manifest {@code tag} names, pretty-printed and annotated with {@code jsonValue},
   * and points index.json at it; returns its digest.
   */
  private static Digest rewriteManifest(Path dir, String tag, String jsonValue) throws IOException {
    ObjectNode index = (ObjectNode) JSON.readTree(dir.resolve("index.json").toFile());
    ObjectNode entry = null;
    for (JsonNode m : index.get("manifests")) {
      if (tag.equals(m.get("annotations").get("org.opencontainers.image.ref.name").asText())) {
        entry = (ObjectNode) m;
      }
    }
    Objects.requireNonNull(entry, "no entry for " + tag);
    Digest old = Digest.parse(entry.get("digest").asText());
    ObjectNode manifest = (ObjectNode) JSON.readTree(layoutBlob(dir, old));
    manifest.putObject("annotations").put("io.oci2vm.test", "PLACEHOLDER");
    String text =
        " "
            + JSON.writerWithDefaultPrettyPrinter()
                .writeValueAsString(manifest)
                .replace("\"PLACEHOLDER\"", jsonValue)
            + "\n\n";
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    Digest digest = Digest.of(bytes);
    Files.write(dir.resolve("blobs/sha256").resolve(digest.hex()), bytes);
    entry.put("digest", digest.toString()).put("size", bytes.length);
    JSON.writeValue(dir.resolve("index.json").toFile(), index);
    return digest;
  }

  private static HttpResponse<byte[]> get(
      RegistryLauncher registry, String path, String accept, String authorization)
      throws IOException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(registry.baseUri() + path)).header("Accept", accept);
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    try {
      return HTTP.send(request.GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  /** GET /v2/REPO/manifests/REF with the OCI Accept header: the manifest as the registry has it. */
  private static byte[] rawManifest(
      RegistryLauncher registry, String repository, String reference, String authorization)
      throws IOException {
    HttpResponse<byte[]> response =
        get(
            registry,
            "/v2/" + repository + "/manifests/" + reference,
            MediaTypes.OCI_MANIFEST,
            authorization);
    assertEquals(200, response.statusCode(), new String(response.body(), StandardCharsets.UTF_8));
    assertEquals(
        Digest.of(response.body()).toString(),
        response.headers().firstValue("Docker-Content-Digest").orElse(null));
    assertEquals(
        MediaTypes.OCI_MANIFEST, response.headers().firstValue("Content-Type").orElse(null));
    return response.body();
  }

  private static int manifestStatus(RegistryLauncher registry, String repository, String tag)
      throws IOException {
    return get(registry, "/v2/" + repository + "/manifests/" + tag, MediaTypes.OCI_MANIFEST, null)
        .statusCode();
  }

  private static byte[] rawBlob(RegistryLauncher registry, String repository, Digest digest)
      throws IOException {
    HttpResponse<byte[]> response =
        get(registry, "/v2/" + repository + "/blobs/" + digest, "*/*", null);
    assertEquals(200, response.statusCode());
    return response.body();
  }
}
