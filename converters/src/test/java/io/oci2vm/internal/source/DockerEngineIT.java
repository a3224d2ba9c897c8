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
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Saves images from a private Docker engine ({@code dockerd} with the vfs driver and its own
 * socket, data and exec roots), loaded from a skopeo-made docker-archive. dockerd needs root, so
 * the test is skipped for other users.
 */
@Timeout(180)
class DockerEngineIT {
  private static final String IMAGE = "oci2vm-test/engine:v1";

  @TempDir static Path tmp;

  private static Process dockerd;
  private static String host;

  @BeforeAll
  static void startEngineAndLoad() throws Exception {
    assumeTrue(
        "root".equals(System.getProperty("user.name")) && onPath("dockerd"),
        "DockerEngineIT needs root and dockerd on PATH");
    Path root = Files.createDirectories(tmp.resolve("d"));
    host = "unix://" + root.resolve("docker.sock");
    dockerd =
        new ProcessBuilder(
                "dockerd",
                "--host",
                host,
                "--data-root",
                root.resolve("data").toString(),
                "--exec-root",
                root.resolve("x").toString(),
                "--pidfile",
                root.resolve("docker.pid").toString(),
                "--storage-driver",
                "vfs",
                "--iptables=false",
                "--ip6tables=false",
                "--bridge=none")
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("dockerd.log").toFile())
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (run(false, "docker", "-H", host, "version") != 0) {
      if (!dockerd.isAlive() || System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "dockerd did not start: " + Files.readString(tmp.resolve("dockerd.log")));
      }
      Thread.sleep(200);
    }

    Path layout = tmp.resolve("oci");
    Path file = tmp.resolve("hello.txt");
    Files.writeString(file, "hello\n");
    run(true, "umoci", "init", "--layout", layout.toString());
    run(true, "umoci", "new", "--image", layout + ":v1");
    run(true, "umoci", "insert", "--image", layout + ":v1", file.toString(), "/hello.txt");
    Path archive = tmp.resolve("in.tar");
    run(true, "skopeo", "copy", "oci:" + layout + ":v1", "docker-archive:" + archive + ":" + IMAGE);
    run(true, "docker", "-H", host, "load", "-i", archive.toString());
  }

  @AfterAll
  static void stopEngine() throws InterruptedException {
    if (dockerd != null) {
      dockerd.destroy();
      if (!dockerd.waitFor(30, TimeUnit.SECONDS)) {
        dockerd.destroyForcibly();
      }
    }
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

  /** Runs a tool; with {@code check}, fails with its output unless it exits 0. */
  private static int run(boolean check, String... command) throws Exception {
    Path log = Files.createTempFile(tmp, "cmd", ".log");
    Process p =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException(String.join(" ", command) + " timed out");
    }
    if (check && p.exitValue() != 0) {
      throw new IllegalStateException(
          String.join(" ", command) + " exited " + p.exitValue() + ": " + Files.readString(log));
    }
    return p.exitValue();
  }
}
