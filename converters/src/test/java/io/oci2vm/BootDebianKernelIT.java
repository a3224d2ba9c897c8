package io.oci2vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The boot tests with the installed Debian cloud kernel, whose virtio drivers are modules. */
class BootDebianKernelIT extends BootTests {
  @Override
  KernelSource kernel() {
    return KernelSource.host();
  }

  @Override
  boolean modular() {
    return true;
  }

  @Test
  void kernelImage_fromRegistry_isPulledCachedAndBoots() throws Exception {
    KernelSource kernel = KernelSource.image(registry.address() + "/kernels/debian:cloud");
    BundleResult b =
        Conversion.from(ImageSource.parse(registry.address() + "/fixtures/multilayer:latest"))
            .cacheDir(tmp.resolve("cache"))
            .writeBundle(
                tmp.resolve("kernel-image"), SlimPolicy.DEFAULT, kernel, AppOverrides.NONE);
    assertTrue(
        b.kernelOrigin()
            .startsWith("image " + registry.address() + "/kernels/debian:cloud@sha256:"),
        b.kernelOrigin());
    assertTrue(b.modules().contains("virtio_net"), b.modules().toString());
    assertTrue(java.nio.file.Files.isDirectory(tmp.resolve("cache/kernels/sha256")));
    Run r = boot(b.dir(), AppOverrides.NONE);
    assertEquals(0, r.status(), r.console());
    assertTrue(r.console().contains("oci2vm multiLayer app: argc="), r.console());
  }
}
