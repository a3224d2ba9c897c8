package io.oci2vm.internal.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.oci2vm.ErrorCode;
import io.oci2vm.Oci2vmException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Failures that need no engine; saving from a real engine is in {@code DockerEngineIT}. */
@Timeout(60)
class DockerEngineTest {
  @TempDir Path tmp;

  @Test
  void saveImage_noEngineAtSocket_isDockerEngineErrorNamingHost() throws IOException {
    String host = "unix://" + tmp.resolve("no-such-docker.sock");
    Path target = tmp.resolve("out/image.tar");

    Oci2vmException e =
        assertThrows(
            Oci2vmException.class, () -> DockerEngine.saveImage("busybox:latest", target, host));

    assertEquals(ErrorCode.DOCKER_ENGINE_ERROR, e.code());
    assertTrue(e.getMessage().contains(host), e.getMessage());
    assertTrue(e.getMessage().contains("DOCKER_HOST"), e.getMessage());
    assertFalse(Files.exists(target));
    assertNoDockerJavaTypes(e);
  }

  @Test
  void saveImage_unsupportedHostScheme_isDockerEngineError() {
    Oci2vmException e =
        assertThrows(
            Oci2vmException.class,
            () -> DockerEngine.saveImage("busybox", tmp.resolve("image.tar"), "ftp://somewhere"));

    assertEquals(ErrorCode.DOCKER_ENGINE_ERROR, e.code());
    assertTrue(e.getMessage().contains("ftp://somewhere"), e.getMessage());
    assertNoDockerJavaTypes(e);
  }

  @Test
  void saveImage_noEngine_leavesNoPartialFile() throws IOException {
    Path target = tmp.resolve("image.tar");
    assertThrows(
        Oci2vmException.class,
        () -> DockerEngine.saveImage("busybox", target, "unix://" + tmp.resolve("none.sock")));
    try (Stream<Path> files = Files.list(tmp)) {
      assertEquals(0, files.filter(p -> p.toString().endsWith(".part")).count());
    }
  }

  private static void assertNoDockerJavaTypes(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      assertFalse(
          t.getClass().getName().startsWith("com.github.dockerjava"),
          "docker-java type leaked: " + t.getClass().getName());
    }
  }
}
