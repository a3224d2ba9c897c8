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
import io.oci2vm.Descriptor;
import io.oci2vm.Digest;
import io.oci2vm.ErrorCode;
import io.oci2vm.ImageReference;
import io.oci2vm.MediaTypes;
import io.oci2vm.Oci2vmException;
import io.oci2vm.Platform;
import io.oci2vm.fixtures.Compression;
import io.oci2vm.fixtures.FixtureImage;
import io.oci2vm.fixtures.Layer;
import io.oci2vm.fixtures.LayerEntry;
import io.oci2vm.fixtures.OciImageBuilder;
import io.oci2vm.fixtures.RegistryLauncher;
import io.oci2vm.fixtures.WrittenIndex;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pulls from real registries (Debian's {@code docker-registry}, distribution 2.8, started by the
 * fixtures' {@link RegistryLauncher}) on 127.0.0.1: an open one, one behind htpasswd basic auth,
 * one behind Docker Hub-style token auth and one serving HTTPS with a self-signed certificate.
 * Images are built with {@link OciImageBuilder} and pushed with skopeo.
 */
@Timeout(120)
class RegistryFetcherIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String USER = "alice";
  private static final String PASSWORD = "s3cret";

  @TempDir static Path tmp;

  private static RegistryLauncher open;
  private static RegistryLauncher basic;
  private static RegistryLauncher token;
  private static RegistryLauncher tls;
  private static byte[] indexBytes;

  @BeforeAll
  static void startRegistriesAndPush() throws IOException {
    OciImageBuilder amd = image("amd64", null, "hello.txt");
    OciImageBuilder arm = image("arm64", "v8", "hello-arm.txt");
    Path amdLayout = tmp.resolve("amd");
    amd.writeLayout(amdLayout, "amd");
    FixtureImage single = new FixtureImage("amd", amdLayout, "amd", "one linux/amd64 image");
    FixtureImage multi = oddIndex(tmp.resolve("multi"), amd, arm);

    open = RegistryLauncher.start();
    basic = RegistryLauncher.builder().basicAuth(USER, PASSWORD).start();
    token = RegistryLauncher.builder().tokenAuth(USER, PASSWORD).start();
    tls = RegistryLauncher.builder().tls().start();

    open.push(single, "test/app:oci");
    open.pushAsDocker(single, "test/app:docker");
    open.push(multi, "test/app:index");
    open.pushAsDocker(multi, "test/app:list");
    basic.pushAsDocker(multi, "test/app:list");
    token.pushAsDocker(multi, "test/app:list");
    tls.push(single, "test/app:oci");
  }

  @AfterAll
  static void stopRegistries() {
    Stream.of(open, basic, token, tls).filter(Objects::nonNull).forEach(RegistryLauncher::close);
  }

  @Test
  void fetchRootManifest_ociIndex_bytesExactlyAsPushed() throws IOException {
    try (RegistryFetcher fetcher = anonymous(open.address() + "/test/app:index")) {
      FetchedManifest m = fetcher.fetchRootManifest();
      assertArrayEquals(indexBytes, m.bytes());
      assertEquals(Digest.of(indexBytes), m.digest());
      assertEquals(MediaTypes.OCI_INDEX, m.mediaType());
    }
  }

  @Test
  void fetchRootManifest_ociIndexByDigest() throws IOException {
    try (RegistryFetcher fetcher =
        anonymous(open.address() + "/test/app@" + Digest.of(indexBytes))) {
      assertArrayEquals(indexBytes, fetcher.fetchRootManifest().bytes());
    }
  }

  @Test
  void dockerList_resolvesPlatformManifestAndConfig() throws IOException {
    try (RegistryFetcher fetcher = anonymous(open.address() + "/test/app:list")) {
      assertPullsArm64Config(fetcher);
    }
  }

  @Test
  void fetchRootManifest_ociAndDockerManifests() throws IOException {
    try (RegistryFetcher fetcher = anonymous(open.address() + "/test/app:oci")) {
      FetchedManifest m = fetcher.fetchRootManifest();
      assertEquals(MediaTypes.OCI_MANIFEST, m.mediaType());
      assertNotNull(JSON.readTree(m.bytes()).get("config").get("digest"));
    }
    try (RegistryFetcher fetcher = anonymous(open.address() + "/test/app:docker")) {
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
    assertEquals(
        ErrorCode.NOT_FOUND, rootFails(anonymous(open.address() + "/test/app:nope")).code());
    assertEquals(
        ErrorCode.NOT_FOUND, rootFails(anonymous(open.address() + "/test/other:v1")).code());
  }

  @Test
  void basicAuth_anonymous_isAuthFailed() {
    Oci2vmException e = rootFails(anonymous(basic.address() + "/test/app:list"));
    assertEquals(ErrorCode.AUTH_FAILED, e.code());
    assertTrue(e.getMessage().contains("docker login " + basic.address()), e.getMessage());
  }

  @Test
  void basicAuth_dockerConfigAuths_pulls() throws IOException {
    try (RegistryFetcher fetcher = withConfig(basic, PASSWORD)) {
      assertPullsArm64Config(fetcher);
    }
  }

  @Test
  void basicAuth_wrongPassword_isAuthFailed() {
    assertEquals(ErrorCode.AUTH_FAILED, rootFails(withConfig(basic, "x")).code());
  }

  @Test
  void tokenAuth_anonymous_isAuthFailed() {
    Oci2vmException e = rootFails(anonymous(token.address() + "/test/app:list"));
    assertEquals(ErrorCode.AUTH_FAILED, e.code());
  }

  @Test
  void tokenAuth_dockerConfigAuths_pullsWithBearerToken() throws IOException {
    try (RegistryFetcher fetcher = withConfig(token, PASSWORD)) {
      assertPullsArm64Config(fetcher);
    }
  }

  @Test
  void tokenAuth_explicitWrongPassword_isAuthFailed() {
    RegistryFetcher fetcher =
        RegistryFetcher.open(
            ImageReference.parse(token.address() + "/test/app:list"),
            noDockerConfig().withCredentials(USER, "wrong"));
    assertEquals(ErrorCode.AUTH_FAILED, rootFails(fetcher).code());
  }

  @Test
  void plainHttp_notLoopbackNotListed_isInsecureRegistry() {
    String name = "0.0.0.0:" + open.port();
    Oci2vmException e = rootFails(anonymous(name + "/test/app:oci"));
    assertEquals(ErrorCode.INSECURE_REGISTRY, e.code());
    assertTrue(e.getMessage().contains("--insecure-registry " + name), e.getMessage());
  }

  @Test
  void plainHttp_listedInsecure_pulls() throws IOException {
    String name = "0.0.0.0:" + open.port();
    try (RegistryFetcher fetcher =
        RegistryFetcher.open(
            ImageReference.parse(name + "/test/app:oci"),
            noDockerConfig().withInsecureRegistries(Set.of(name)))) {
      assertEquals(MediaTypes.OCI_MANIFEST, fetcher.fetchRootManifest().mediaType());
    }
  }

  @Test
  void selfSignedHttps_onLoopback_pulls() throws IOException {
    try (RegistryFetcher fetcher = anonymous(tls.address() + "/test/app:oci")) {
      assertEquals(MediaTypes.OCI_MANIFEST, fetcher.fetchRootManifest().mediaType());
    }
  }

  @Test
  void selfSignedHttps_notLoopbackNotListed_isInsecureRegistry() {
    Oci2vmException e = rootFails(anonymous("0.0.0.0:" + tls.port() + "/test/app:oci"));
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

  /** A fetcher for {@code test/app:list} with Docker config {@code auths} for the registry. */
  private static RegistryFetcher withConfig(RegistryLauncher registry, String password) {
    try {
      Path config = Files.createTempDirectory(tmp, "docker").resolve("config.json");
      String auth =
          Base64.getEncoder()
              .encodeToString((USER + ":" + password).getBytes(StandardCharsets.UTF_8));
      Files.writeString(
          config, "{\"auths\":{\"" + registry.address() + "\":{\"auth\":\"" + auth + "\"}}}");
      return RegistryFetcher.open(
          ImageReference.parse(registry.address() + "/test/app:list"),
          RegistryOptions.defaults().withDockerConfig(config));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static OciImageBuilder image(String architecture, String variant, String file) {
    return OciImageBuilder.create()
        .platform("linux", architecture, variant)
        .addLayer(Layer.of(Compression.GZIP, LayerEntry.file(file, "hello\n")));
  }

  /**
   * A layout whose tag {@code multi} names an index of {@code amd} and {@code arm}, laid out oddly
   * and annotated so that only a byte-exact pull reproduces it; {@link #indexBytes} are its bytes.
   */
  private static FixtureImage oddIndex(Path layout, OciImageBuilder amd, OciImageBuilder arm)
      throws IOException {
    WrittenIndex compact = OciImageBuilder.writeIndexLayout(layout, "compact", List.of(amd, arm));
    Path blobs = layout.resolve("blobs/sha256");
    ObjectNode multi =
        (ObjectNode)
            JSON.readTree(
                Files.readAllBytes(blobs.resolve(Digest.parse(compact.indexDigest()).hex())));
    multi.putObject("annotations").put("io.oci2vm.test", "kept");
    indexBytes =
        ("  " + JSON.writerWithDefaultPrettyPrinter().writeValueAsString(multi) + "\n\n")
            .getBytes(StandardCharsets.UTF_8);
    Digest digest = Digest.of(indexBytes);
    Files.write(blobs.resolve(digest.hex()), indexBytes);
    ObjectNode index = (ObjectNode) JSON.readTree(layout.resolve("index.json").toFile());
    ObjectNode ref = ((ArrayNode) index.get("manifests")).addObject();
    ref.put("mediaType", MediaTypes.OCI_INDEX)
        .put("digest", digest.toString())
        .put("size", indexBytes.length);
    ref.putObject("annotations").put("org.opencontainers.image.ref.name", "multi");
    JSON.writeValue(layout.resolve("index.json").toFile(), index);
    return new FixtureImage("multi", layout, "multi", "an oddly laid out two-platform index");
  }
}
