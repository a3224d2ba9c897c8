package io.oci2vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.oci2vm.fixtures.FixtureImage;
import io.oci2vm.fixtures.Fixtures;
import io.oci2vm.fixtures.RegistryLauncher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * oci2vm's own kernel: built once per recipe into the machine's cache, packaged as a kernel OCI
 * image, pulled back from a real registry and booted; and chosen by default once built.
 */
@Timeout(value = 30, unit = TimeUnit.MINUTES)
class KernelIT {
  @TempDir Path tmp;

  @Test
  void build_packagePushPullBoot() throws Exception {
    Kernels kernels = Kernels.in(null, e -> System.out.println("kernel: " + e));
    Kernels.Built k = kernels.build(null, List.of());
    assertTrue(k.release().endsWith("-oci2vm"), k.release());
    assertTrue(k.size() < 8 << 20, "a microVM kernel is small: " + k.size());
    long t0 = System.nanoTime();
    Kernels.Built again = kernels.build(null, List.of());
    assertEquals(k.configHash(), again.configHash());
    assertTrue(
        System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10), "second build is a cache hit");
    assertTrue(
        kernels.list().stream()
            .anyMatch(c -> c.kind().equals("built") && c.id().equals(k.configHash())));

    Path layout = tmp.resolve("kernel-image");
    Digest manifest = kernels.writeImage(k.configHash(), layout, k.release());
    JsonNode m =
        new ObjectMapper()
            .readTree(layout.resolve("blobs/sha256").resolve(manifest.hex()).toFile());
    assertEquals(
        k.release(), m.get("annotations").get("org.opencontainers.image.version").asText());
    assertEquals(k.configHash(), m.get("annotations").get("io.oci2vm.kernel.config-hash").asText());

    try (RegistryLauncher registry = RegistryLauncher.start()) {
      registry.push(
          new FixtureImage("kernel", layout, k.release(), "oci2vm kernel"),
          "kernels/oci2vm:" + k.release());
      BundleResult b =
          Conversion.from(ImageSource.parse(Fixtures.glibcApp().reference()))
              .cacheDir(tmp.resolve("cache"))
              .writeBundle(
                  tmp.resolve("bundle"),
                  SlimPolicy.DEFAULT,
                  KernelSource.image(registry.address() + "/kernels/oci2vm:" + k.release()),
                  AppOverrides.NONE);
      assertEquals(k.release(), b.kernelRelease());
      assertTrue(b.modules().isEmpty(), "everything is built in: " + b.modules());
      BootTests.Run r = BootTests.boot(b.dir(), AppOverrides.NONE, tmp.resolve("cache"));
      assertEquals(0, r.status(), r.console());
      assertTrue(r.console().contains("uid=1000 gid=1000 user=app"), r.console());
    }
  }

  @Test
  void auto_prefersTheBuiltKernel() {
    Kernels.Built k = Kernels.in(null, e -> {}).build(null, List.of());
    BundleResult b =
        // the default cache: where `oci2vm kernel build` leaves kernels for convert to find
        Conversion.from(ImageSource.parse(Fixtures.multiLayer().reference()))
            .writeBundle(
                tmp.resolve("auto"), SlimPolicy.DEFAULT, KernelSource.auto(), AppOverrides.NONE);
    assertEquals(k.release(), b.kernelRelease());
    assertTrue(b.kernelOrigin().startsWith("oci2vm kernel "), b.kernelOrigin());
    assertTrue(Files.isRegularFile(b.dir().resolve("vmlinuz")));
  }
}
