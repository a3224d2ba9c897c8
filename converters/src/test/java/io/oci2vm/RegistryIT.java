package io.oci2vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.oci2vm.fixtures.Compression;
import io.oci2vm.fixtures.FixtureImage;
import io.oci2vm.fixtures.Layer;
import io.oci2vm.fixtures.LayerEntry;
import io.oci2vm.fixtures.OciImageBuilder;
import io.oci2vm.fixtures.RegistryLauncher;
import io.oci2vm.fixtures.WrittenImage;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Pulls from a real registry: auth, pinning, caching and broken blobs served for real. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class RegistryIT {
  @TempDir Path tmp;

  private static final Layer BASE =
      Layer.of(
          Compression.GZIP,
          LayerEntry.directory("etc"),
          LayerEntry.file("etc/base", "shared base layer\n".repeat(1000)));

  private FixtureImage image(String name, String extra) {
    Path layout = tmp.resolve(name);
    OciImageBuilder.create()
        .addLayer(BASE)
        .addLayer(Layer.of(Compression.GZIP, LayerEntry.file("etc/" + name, extra)))
        .entrypoint("/bin/true")
        .writeLayout(layout, "v1");
    return new FixtureImage(name, layout, "v1", "test image " + name);
  }

  private Conversion convert(String ref) {
    return Conversion.from(ImageSource.parse(ref))
        .cacheDir(tmp.resolve("cache"))
        .dockerConfig(tmp.resolve("no-docker-config.json"));
  }

  @Test
  void pull_withoutCredentials_isAuthFailed_withConfigJson_works() throws IOException {
    try (RegistryLauncher registry =
        RegistryLauncher.builder().basicAuth("alice", "s3cret").start()) {
      registry.push(image("app", "a"), "team/app:v1");
      String ref = registry.address() + "/team/app:v1";
      Oci2vmException e = assertThrows(Oci2vmException.class, () -> convert(ref).inspect());
      assertEquals(ErrorCode.AUTH_FAILED, e.code(), e.getMessage());
      assertTrue(e.getMessage().contains(registry.address()), e.getMessage());

      Path config = tmp.resolve("docker/config.json");
      Files.createDirectories(config.getParent());
      String auth =
          Base64.getEncoder().encodeToString("alice:s3cret".getBytes(StandardCharsets.UTF_8));
      Files.writeString(
          config, "{\"auths\":{\"" + registry.address() + "\":{\"auth\":\"" + auth + "\"}}}");
      ResolvedImage r = convert(ref).dockerConfig(config).inspect();
      assertEquals(2, r.layers().size());

      Files.writeString(
          config,
          "{\"auths\":{\""
              + registry.address()
              + "\":{\"auth\":\""
              + Base64.getEncoder().encodeToString("alice:wrong".getBytes(StandardCharsets.UTF_8))
              + "\"}}}");
      assertEquals(
          ErrorCode.AUTH_FAILED,
          assertThrows(Oci2vmException.class, () -> convert(ref).dockerConfig(config).inspect())
              .code());
    }
  }

  @Test
  void pull_pinnedDigest_resolvesAndUnknownIsNotFound() {
    try (RegistryLauncher registry = RegistryLauncher.start()) {
      FixtureImage app = image("app", "a");
      registry.push(app, "app:v1");
      String digest = convert(app.reference()).inspect().manifestDigest().toString();
      ResolvedImage r = convert(registry.address() + "/app@" + digest).inspect();
      assertEquals(digest, r.manifestDigest().toString());
      Oci2vmException e =
          assertThrows(
              Oci2vmException.class,
              () -> convert(registry.address() + "/app@sha256:" + "1".repeat(64)).inspect());
      assertEquals(ErrorCode.NOT_FOUND, e.code(), e.getMessage());
      assertEquals(
          ErrorCode.NOT_FOUND,
          assertThrows(
                  Oci2vmException.class, () -> convert(registry.address() + "/nope:v1").inspect())
              .code());
    }
  }

  @Test
  void pull_secondImageWithSameBase_downloadsOnlyNewLayers() {
    try (RegistryLauncher registry = RegistryLauncher.start()) {
      registry.push(image("first", "1"), "first:v1");
      registry.push(image("second", "2"), "second:v1");
      convert(registry.address() + "/first:v1")
          .writeRootfsTar(tmp.resolve("first.tar"), SlimPolicy.NONE);
      List<ProgressEvent.LayerProgress> events = new ArrayList<>();
      convert(registry.address() + "/second:v1")
          .onProgress(
              e -> {
                if (e instanceof ProgressEvent.LayerProgress p) {
                  events.add(p);
                }
              })
          .writeRootfsTar(tmp.resolve("second.tar"), SlimPolicy.NONE);
      long cached = events.stream().filter(p -> p.phase() == ProgressEvent.Phase.CACHED).count();
      List<Digest> downloaded =
          events.stream()
              .filter(p -> p.phase() == ProgressEvent.Phase.DOWNLOADING)
              .map(ProgressEvent.LayerProgress::layer)
              .distinct()
              .toList();
      assertEquals(1, cached, events.toString());
      assertEquals(1, downloaded.size(), events.toString());
    }
  }

  @Test
  void pull_truncatedOrCorruptBlobServed_failsAndCachesNothing() throws IOException {
    try (RegistryLauncher registry = RegistryLauncher.start()) {
      FixtureImage app = image("app", "payload ".repeat(5000));
      registry.push(app, "app:v1");
      WrittenImage w =
          OciImageBuilder.create()
              .addLayer(BASE)
              .addLayer(
                  Layer.of(Compression.GZIP, LayerEntry.file("etc/app", "payload ".repeat(5000))))
              .entrypoint("/bin/true")
              .writeLayout(tmp.resolve("again"), "v1");
      Path data = registry.blobData(w.layerDigests().get(1));
      byte[] original = Files.readAllBytes(data);

      try (RandomAccessFile f = new RandomAccessFile(data.toFile(), "rw")) {
        f.setLength(original.length / 2);
      }
      Path out = tmp.resolve("out.tar");
      Oci2vmException e =
          assertThrows(
              Oci2vmException.class,
              () -> convert(registry.address() + "/app:v1").writeRootfsTar(out, SlimPolicy.NONE));
      assertEquals(ErrorCode.TRUNCATED_BLOB, e.code(), e.getMessage());
      assertFalse(Files.exists(out));
      assertFalse(
          Files.exists(
              tmp.resolve("cache/blobs/sha256").resolve(w.layerDigests().get(1).substring(7))));

      byte[] corrupt = original.clone();
      corrupt[corrupt.length / 2] ^= 0x55;
      Files.write(data, corrupt);
      e =
          assertThrows(
              Oci2vmException.class,
              () -> convert(registry.address() + "/app:v1").writeRootfsTar(out, SlimPolicy.NONE));
      assertEquals(ErrorCode.DIGEST_MISMATCH, e.code(), e.getMessage());
      assertFalse(Files.exists(out));
    }
  }
}
