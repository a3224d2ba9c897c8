package io.oci2vm.internal.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.oci2vm.ErrorCode;
import io.oci2vm.Oci2vmException;
import io.oci2vm.fixtures.Compression;
import io.oci2vm.fixtures.DockerEngineLauncher;
import io.oci2vm.fixtures.FixtureImage;
import io.oci2vm.fixtures.Layer;
import io.oci2vm.fixtures.LayerEntry;
import io.oci2vm.fixtures.OciImageBuilder;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Saves images from the fixtures' shared private Docker engine ({@link DockerEngineLauncher}:
 * {@code dockerd} with the vfs driver and its own socket, data and exec roots), loaded from a
 * docker-archive of an {@link OciImageBuilder} image. dockerd needs root, so the test is skipped
 * for other users.
 */
@Timeout(180)
class DockerEngineIT {
  private static final String IMAGE = "oci2vm-test/engine:v1";

  @TempDir static Path tmp;

  private static String host;

  @BeforeAll
  static void startEngineAndLoad() {
    assumeTrue(
        "root".equals(System.getProperty("user.name")) && onPath("dockerd"),
        "DockerEngineIT needs root and dockerd on PATH");
    DockerEngineLauncher engine = DockerEngineLauncher.shared();
    host = engine.dockerHost();
    Path layout = tmp.resolve("oci");
    OciImageBuilder.create()
        .addLayer(Layer.of(Compression.GZIP, LayerEntry.file("hello.txt", "hello\n")))
        .writeLayout(layout, "v1");
    FixtureImage image = new FixtureImage("engine", layout, "v1", "one small layer");
    engine.load(image.toDockerArchive(tmp.resolve("in.tar"), IMAGE));
  }

  @Test
  void saveImage_writesDockerArchiveWithRepoTag() throws IOException {
    Path target = tmp.resolve("out/saved.tar");
    Files.createDirectories(target.getParent());
    Files.writeString(target, "stale contents to be replaced");

    assertEquals(target, DockerEngine.saveImage(IMAGE, target, host));

    Set<String> names = new HashSet<>();
    JsonNode manifest = null;
    try (InputStream in = Files.newInputStream(target);
        TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
      for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
        names.add(e.getName());
        if (e.getName().equals("manifest.json")) {
          manifest = new ObjectMapper().readTree(tar.readAllBytes());
        }
      }
    }
    assertTrue(names.contains("manifest.json"), names.toString());
    assertEquals(IMAGE, manifest.get(0).get("RepoTags").get(0).asText());
    try (var files = Files.list(target.getParent())) {
      assertEquals(1, files.count(), "no partial file is left beside the archive");
    }
  }

  @Test
  void saveImage_unknownImage_isNotFoundWithPullHint() {
    Path target = tmp.resolve("missing.tar");
    Oci2vmException e =
        assertThrows(
            Oci2vmException.class,
            () -> DockerEngine.saveImage("oci2vm-test/engine:nope", target, host));
    assertEquals(ErrorCode.NOT_FOUND, e.code());
    assertTrue(e.getMessage().contains("docker pull oci2vm-test/engine:nope"), e.getMessage());
    assertFalse(Files.exists(target));
  }

  private static boolean onPath(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }
}
