package io.oci2vm.internal.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.oci2vm.ErrorCode;
import io.oci2vm.Oci2vmException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelTest {
  @TempDir Path tmp;

  private static Kernel hostOrSkip() {
    try {
      return new KernelLocator().host();
    } catch (Oci2vmException e) {
      assumeTrue(false, "no distro kernel installed: " + e.getMessage());
      return null;
    }
  }

  @Test
  void host_findsInstalledKernelWithModulesAndConfig() {
    Kernel k = hostOrSkip();
    assertTrue(k.versionString().startsWith(k.release() + " "), k.versionString());
    assertNotNull(k.modules());
    assertTrue(Files.isRegularFile(k.modules().resolve("modules.dep")));
    assertTrue(k.origin().startsWith("host /boot/vmlinuz-"));
  }

  @Test
  void resolve_virtioNet_loadsDependenciesFirst() {
    Kernel k = hostOrSkip();
    Map<String, String> req = new LinkedHashMap<>();
    req.put("virtio_pci", "CONFIG_VIRTIO_PCI");
    req.put("virtio_net", "CONFIG_VIRTIO_NET");
    List<String> names =
        new KernelModules(k)
            .resolve(req, Map.of()).stream().map(KernelModules.Module::name).toList();
    assumeTrue(names.contains("virtio_net"), "this kernel has virtio_net built in: " + names);
    assertTrue(names.indexOf("virtio_ring") < names.indexOf("virtio"), names.toString());
    assertTrue(names.indexOf("virtio") < names.indexOf("virtio_pci"), names.toString());
    assertTrue(names.indexOf("failover") < names.indexOf("net_failover"), names.toString());
    assertTrue(names.indexOf("net_failover") < names.indexOf("virtio_net"), names.toString());
    assertEquals(names.size(), names.stream().distinct().count(), "each module once");
  }

  @Test
  void resolve_missingDriver_isKernelUnsuitable() throws IOException {
    Kernel k = hostOrSkip();
    Oci2vmException e =
        assertThrows(
            Oci2vmException.class,
            () ->
                new KernelModules(k).resolve(Map.of("no_such_driver", "CONFIG_NO_SUCH"), Map.of()));
    assertEquals(ErrorCode.KERNEL_UNSUITABLE, e.code());
    assertTrue(e.getMessage().contains("no_such_driver"), e.getMessage());
    assertTrue(
        new KernelModules(k)
            .resolve(Map.of(), Map.of("no_such_driver", "CONFIG_NO_SUCH"))
            .isEmpty());
  }

  @Test
  void file_notABzImage_isKernelUnsuitable() throws IOException {
    Path junk = Files.write(tmp.resolve("vmlinuz"), new byte[4096]);
    assertEquals(
        ErrorCode.KERNEL_UNSUITABLE,
        assertThrows(Oci2vmException.class, () -> new KernelLocator().file(junk, null)).code());
    assertEquals(
        ErrorCode.NO_KERNEL,
        assertThrows(
                Oci2vmException.class, () -> new KernelLocator().file(tmp.resolve("nope"), null))
            .code());
  }

  @Test
  void host_noneInstalled_isNoKernel() {
    KernelLocator empty = new KernelLocator(tmp.resolve("boot"), tmp.resolve("modules"));
    Oci2vmException e = assertThrows(Oci2vmException.class, empty::host);
    assertEquals(ErrorCode.NO_KERNEL, e.code());
    assertTrue(e.getMessage().contains("--kernel"), e.getMessage());
  }

  @Test
  void compareVersions_numericParts() {
    assertTrue(KernelLocator.compareVersions("6.10.0-1", "6.9.0-1") > 0);
    assertTrue(KernelLocator.compareVersions("6.1.0-56-cloud", "6.1.0-9-cloud") > 0);
    assertFalse(KernelLocator.compareVersions("5.10", "6.1") > 0);
  }
}
