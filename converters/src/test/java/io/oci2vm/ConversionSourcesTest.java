package io.oci2vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.oci2vm.fixtures.Compression;
import io.oci2vm.fixtures.FixtureImage;
import io.oci2vm.fixtures.Layer;
import io.oci2vm.fixtures.LayerEntry;
import io.oci2vm.fixtures.OciImageBuilder;
import io.oci2vm.fixtures.WrittenImage;
import io.oci2vm.fixtures.WrittenIndex;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sources, verification and caching through the public API, on OCI layouts built here. */
class ConversionSourcesTest {
  @TempDir Path tmp;
  private Path cache;
  private Path layout;

  private static final Layer BASE =
      Layer.of(
          Compression.GZIP,
          LayerEntry.directory("etc"),
          LayerEntry.file("etc/os-release", "ID=test\n"),
          LayerEntry.directory("bin"),
          LayerEntry.file("bin/app", "#!/bin/app\n").mode(0755));

  private static OciImageBuilder image() {
    return OciImageBuilder.create()
        .addLayer(BASE)
        .addLayer(Layer.of(Compression.ZSTD, LayerEntry.file("etc/zstd", "z")))
        .addLayer(Layer.of(Compression.NONE, LayerEntry.file("etc/plain", "p")))
        .entrypoint("/bin/app")
        .cmd("--serve")
        .env("PATH", "/bin")
        .env("MODE", "test")
        .workingDir("/srv")
        .user("1000:1000")
        .exposedPort("8080/tcp");
  }

  @BeforeEach
  void setUp() {
    cache = tmp.resolve("cache");
    layout = tmp.resolve("layout");
  }

  private Conversion convert(String source) {
    return Conversion.from(ImageSource.parse(source)).cacheDir(cache);
  }

  @Test
  void inspect_ociLayout_resolvesDigestsAndConfig() {
    WrittenImage w = image().writeLayout(layout, "v1");
    ResolvedImage r = convert("oci:" + layout + ":v1").inspect();
    assertEquals(w.manifestDigest(), r.manifestDigest().toString());
    assertEquals(w.configDigest(), r.configDigest().toString());
    assertEquals(Platform.LINUX_AMD64, r.platform());
    assertNull(r.indexDigest());
    assertEquals(3, r.layers().size());
    assertEquals(w.diffIds().get(1), r.layers().get(1).diffId().toString());
    assertEquals(List.of("/bin/app"), r.config().entrypoint());
    assertEquals(List.of("--serve"), r.config().cmd());
    assertEquals("test", r.config().envValue("MODE").orElseThrow());
    assertEquals("/srv", r.config().workingDir());
    assertEquals("1000:1000", r.config().user());
    assertEquals(List.of("8080/tcp"), r.config().exposedPorts());
  }

  @Test
  void inspect_ociLayoutWithoutTag_picksTheOnlyImage() {
    image().writeLayout(layout, "only");
    assertEquals(3, convert("oci:" + layout).inspect().layers().size());
  }

  @Test
  void inspect_unknownTag_isNotFoundListingTags() {
    image().writeLayout(layout, "v1");
    Oci2vmException e =
        assertThrows(Oci2vmException.class, () -> convert("oci:" + layout + ":v2").inspect());
    assertEquals(ErrorCode.NOT_FOUND, e.code());
    assertTrue(e.getMessage().contains("v1"), e.getMessage());
  }

  @Test
  void writeRootfsTar_gzipZstdAndPlainLayers_allUnpacked() throws IOException {
    image().writeLayout(layout, "v1");
    RootfsResult r =
        convert("oci:" + layout + ":v1").writeRootfsTar(tmp.resolve("out.tar"), SlimPolicy.NONE);
    List<String> names = TarNames.of(r.output());
    assertTrue(
        names.containsAll(List.of("etc/os-release", "etc/zstd", "etc/plain", "bin/app")),
        names.toString());
  }

  @Test
  void writeRootfsTar_sharedBaseLayer_isUnpackedOnce() throws IOException {
    image().writeLayout(layout, "v1");
    Path other = tmp.resolve("other");
    OciImageBuilder.create()
        .addLayer(BASE)
        .addLayer(Layer.of(Compression.GZIP, LayerEntry.file("etc/second", "2")))
        .entrypoint("/bin/app")
        .writeLayout(other, "v1");
    convert("oci:" + layout + ":v1").writeRootfsTar(tmp.resolve("a.tar"), SlimPolicy.NONE);
    List<ProgressEvent.LayerProgress> events = new ArrayList<>();
    convert("oci:" + other + ":v1")
        .onProgress(
            e -> {
              if (e instanceof ProgressEvent.LayerProgress p
                  && (p.phase() == ProgressEvent.Phase.CACHED
                      || p.phase() == ProgressEvent.Phase.DONE)) {
                events.add(p);
              }
            })
        .writeRootfsTar(tmp.resolve("b.tar"), SlimPolicy.NONE);
    assertEquals(ProgressEvent.Phase.CACHED, events.get(0).phase(), events.toString());
    assertEquals(ProgressEvent.Phase.DONE, events.get(1).phase(), events.toString());
    try (Stream<Path> s = Files.list(cache.resolve("layers/sha256"))) {
      assertEquals(4, s.filter(p -> !p.getFileName().toString().startsWith(".")).count());
    }
  }

  @Test
  void writeRootfsTar_corruptLayer_isDigestMismatchAndLeavesNothing() throws IOException {
    WrittenImage w = image().writeLayout(layout, "v1");
    Path blob = LayoutSurgery.blob(layout, w.layerDigests().get(2)); // uncompressed layer
    try (RandomAccessFile f = new RandomAccessFile(blob.toFile(), "rw")) {
      f.seek(600);
      int b = f.read();
      f.seek(600);
      f.write(b ^ 0xff);
    }
    Path out = tmp.resolve("out.tar");
    Oci2vmException e =
        assertThrows(
            Oci2vmException.class,
            () -> convert("oci:" + layout + ":v1").writeRootfsTar(out, SlimPolicy.NONE));
    assertEquals(ErrorCode.DIGEST_MISMATCH, e.code());
    assertTrue(e.getMessage().contains(w.layerDigests().get(2)), e.getMessage());
    assertFalse(Files.exists(out));
    try (Stream<Path> s = Files.list(cache.resolve("layers/sha256"))) {
      assertTrue(
          s.noneMatch(p -> p.getFileName().toString().equals(w.diffIds().get(2).substring(7))));
    }
  }

  @Test
  void writeRootfsTar_truncatedLayer_isTruncatedBlob() throws IOException {
    WrittenImage w = image().writeLayout(layout, "v1");
    for (int i : new int[] {0, 2}) { // gzip and plain
      Path copy = tmp.resolve("copy" + i);
      image().writeLayout(copy, "v1");
      Path blob = LayoutSurgery.blob(copy, w.layerDigests().get(i));
      try (RandomAccessFile f = new RandomAccessFile(blob.toFile(), "rw")) {
        f.setLength(f.length() / 2);
      }
      Oci2vmException e =
          assertThrows(
              Oci2vmException.class,
              () ->
                  Conversion.from(ImageSource.parse("oci:" + copy + ":v1"))
                      .cacheDir(tmp.resolve("cache" + i))
                      .writeRootfsTar(tmp.resolve("out.tar"), SlimPolicy.NONE));
      assertEquals(ErrorCode.TRUNCATED_BLOB, e.code(), e.getMessage());
    }
  }

  @Test
  void writeRootfsTar_wrongDiffId_isDigestMismatch() throws IOException {
    image().writeLayout(layout, "v1");
    LayoutSurgery.editConfig(
        layout,
        c ->
            ((com.fasterxml.jackson.databind.node.ArrayNode) c.get("rootfs").get("diff_ids"))
                .set(0, c.textNode("sha256:" + "0".repeat(64))));
    Oci2vmException e =
        assertThrows(
            Oci2vmException.class,
            () ->
                convert("oci:" + layout + ":v1")
                    .writeRootfsTar(tmp.resolve("o.tar"), SlimPolicy.NONE));
    assertEquals(ErrorCode.DIGEST_MISMATCH, e.code());
    assertTrue(e.getMessage().contains("diff_id"), e.getMessage());
  }

  @Test
  void inspect_unknownLayerMediaType_isUnknownMediaType() throws IOException {
    image().writeLayout(layout, "v1");
    LayoutSurgery.editManifest(
        layout,
        m ->
            ((ObjectNode) m.get("layers").get(0)).put("mediaType", "application/vnd.example.blob"));
    Oci2vmException e =
        assertThrows(Oci2vmException.class, () -> convert("oci:" + layout + ":v1").inspect());
    assertEquals(ErrorCode.UNKNOWN_MEDIA_TYPE, e.code());
    assertTrue(e.getMessage().contains("application/vnd.example.blob"), e.getMessage());
  }

  @Test
  void inspect_manifestNotMatchingIndexDigest_isDigestMismatch() throws IOException {
    image().writeLayout(layout, "v1");
    Path manifest = LayoutSurgery.blob(layout, LayoutSurgery.manifestDigest(layout));
    String text = Files.readString(manifest);
    Files.writeString(manifest, text.replace("\"schemaVersion\":2", "\"schemaVersion\": 2"));
    Oci2vmException e =
        assertThrows(Oci2vmException.class, () -> convert("oci:" + layout + ":v1").inspect());
    assertEquals(ErrorCode.DIGEST_MISMATCH, e.code(), e.getMessage());
  }

  @Test
  void inspect_oversizedManifest_isManifestTooLarge() throws IOException {
    image().writeLayout(layout, "v1");
    String padding = "x".repeat(5 << 20);
    LayoutSurgery.editManifest(
        layout, m -> m.putObject("annotations").put("org.example.padding", padding));
    Oci2vmException e =
        assertThrows(Oci2vmException.class, () -> convert("oci:" + layout + ":v1").inspect());
    assertEquals(ErrorCode.MANIFEST_TOO_LARGE, e.code(), e.getMessage());
  }

  @Test
  void inspect_malformedManifestJson_isMalformedManifest() throws IOException {
    image().writeLayout(layout, "v1");
    LayoutSurgery.editManifest(layout, m -> m.remove("layers"));
    assertEquals(
        ErrorCode.MALFORMED_MANIFEST,
        assertThrows(Oci2vmException.class, () -> convert("oci:" + layout + ":v1").inspect())
            .code());
  }

  @Test
  void inspect_multiPlatformIndex_picksRequestedPlatform() {
    WrittenIndex w =
        OciImageBuilder.writeIndexLayout(
            layout,
            "multi",
            List.of(image(), image().platform("linux", "arm64", "v8").env("ARCH", "arm64")));
    ResolvedImage amd = convert("oci:" + layout + ":multi").inspect();
    assertEquals(w.indexDigest(), amd.indexDigest().toString());
    assertEquals(w.images().get(0).manifestDigest(), amd.manifestDigest().toString());
    ResolvedImage arm =
        convert("oci:" + layout + ":multi").platform(Platform.parse("linux/arm64")).inspect();
    assertEquals(w.images().get(1).manifestDigest(), arm.manifestDigest().toString());
    assertEquals("arm64", arm.config().envValue("ARCH").orElseThrow());
  }

  @Test
  void inspect_missingPlatform_isPlatformNotFoundListingAvailable() {
    OciImageBuilder.writeIndexLayout(
        layout, "multi", List.of(image(), image().platform("linux", "arm64", "v8")));
    Oci2vmException e =
        assertThrows(
            Oci2vmException.class,
            () ->
                convert("oci:" + layout + ":multi")
                    .platform(Platform.parse("linux/s390x"))
                    .inspect());
    assertEquals(ErrorCode.PLATFORM_NOT_FOUND, e.code());
    assertTrue(e.getMessage().contains("linux/arm64/v8"), e.getMessage());
    Path single = tmp.resolve("single");
    image().platform("linux", "arm64", null).writeLayout(single, "v1");
    assertEquals(
        ErrorCode.PLATFORM_NOT_FOUND,
        assertThrows(Oci2vmException.class, () -> convert("oci:" + single + ":v1").inspect())
            .code());
  }

  @Test
  void writeRootfsTar_ociArchive_sameAsLayout() throws IOException {
    image().writeLayout(layout, "v1");
    Path archive =
        new FixtureImage("t", layout, "v1", "test image").toOciArchive(tmp.resolve("img.tar"));
    RootfsResult a =
        convert("oci:" + layout + ":v1").writeRootfsTar(tmp.resolve("a.tar"), SlimPolicy.NONE);
    RootfsResult b =
        convert("oci-archive:" + archive + ":v1")
            .writeRootfsTar(tmp.resolve("b.tar"), SlimPolicy.NONE);
    assertEquals(a.image().manifestDigest(), b.image().manifestDigest());
    assertEquals(-1L, Files.mismatch(a.output(), b.output()), "identical tars");
  }

  @Test
  void inspect_notALayout_isBadArchive() throws IOException {
    Files.createDirectories(layout);
    assertEquals(
        ErrorCode.BAD_ARCHIVE,
        assertThrows(Oci2vmException.class, () -> convert("oci:" + layout).inspect()).code());
    Path junk = Files.writeString(tmp.resolve("junk.tar"), "not a tar");
    assertEquals(
        ErrorCode.BAD_ARCHIVE,
        assertThrows(Oci2vmException.class, () -> convert("docker-archive:" + junk).inspect())
            .code());
  }
}
