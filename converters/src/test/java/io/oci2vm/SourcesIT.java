package io.oci2vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.oci2vm.fixtures.DockerEngineLauncher;
import io.oci2vm.fixtures.FixtureImage;
import io.oci2vm.fixtures.Fixtures;
import io.oci2vm.fixtures.RegistryLauncher;
import io.oci2vm.fixtures.Umoci;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every fixture from every source (real registry, real Docker engine, docker-archive, OCI layout,
 * oci-archive), flattened without slimming, must equal umoci's reference unpack of the same image.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class SourcesIT {
  @TempDir static Path tmp;
  private static RegistryLauncher registry;
  private static DockerEngineLauncher docker;

  @BeforeAll
  static void startServers() {
    registry = RegistryLauncher.start();
    docker = DockerEngineLauncher.shared();
  }

  @AfterAll
  static void stopRegistry() {
    if (registry != null) {
      registry.close();
    }
  }

  static FixtureImage fixture(String name) {
    return switch (name) {
      case "multiLayer" -> Fixtures.multiLayer();
      case "glibcApp" -> Fixtures.glibcApp();
      case "debianNginx" -> Fixtures.debianNginx();
      default -> throw new IllegalArgumentException(name);
    };
  }

  @ParameterizedTest
  @ValueSource(strings = {"multiLayer", "glibcApp", "debianNginx"})
  void noSlimRootfs_everySource_equalsUmociUnpack(String name) throws IOException {
    FixtureImage f = fixture(name);
    Path work = tmp.resolve(name);
    Map<String, TreeSnapshot.Meta> reference =
        TreeSnapshot.ofDirectory(Umoci.unpack(f, work.resolve("umoci")));
    assertTrue(reference.size() > 5, "umoci unpacked something");

    String repo = "fixtures/" + name.toLowerCase() + ":latest";
    registry.push(f, repo);
    Path dockerArchive = f.toDockerArchive(work.resolve("docker.tar"), repo);
    docker.load(dockerArchive);
    Path ociArchive = f.toOciArchive(work.resolve("oci.tar"));

    Map<String, String> sources = new LinkedHashMap<>();
    sources.put("registry", registry.address() + "/" + repo);
    sources.put("docker-daemon", "docker-daemon:" + repo);
    sources.put("docker-archive", "docker-archive:" + dockerArchive);
    sources.put("oci", f.reference());
    sources.put("oci-archive", "oci-archive:" + ociArchive + ":" + f.tag());
    Digest firstManifest = null;
    for (var s : sources.entrySet()) {
      Path out = work.resolve("rootfs-from-" + s.getKey() + ".tar");
      RootfsResult r =
          Conversion.from(ImageSource.parse(s.getValue()))
              .cacheDir(work.resolve("cache-" + s.getKey()))
              .dockerHost(docker.dockerHost())
              .writeRootfsTar(out, SlimPolicy.NONE);
      Map<String, TreeSnapshot.Meta> ours = TreeSnapshot.ofTar(out);
      String diff = TreeSnapshot.diff(reference, ours);
      assertEquals("", diff, name + " from " + s.getKey() + " differs from umoci:\n" + diff);
      assertEquals(r.report().filesBefore(), r.report().filesAfter());
      if (!r.image().manifestSynthesized()) {
        if (firstManifest == null) {
          firstManifest = r.image().manifestDigest();
        }
        assertEquals(
            firstManifest,
            r.image().manifestDigest(),
            s.getKey() + " resolves the same manifest as the layout");
      }
    }
  }
}
