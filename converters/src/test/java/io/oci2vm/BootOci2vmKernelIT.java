package io.oci2vm;

import java.util.List;

/**
 * The boot tests with oci2vm's own microVM kernel, built from Debian's linux-source once per recipe
 * and cached under ~/.cache/oci2vm (the first run on a machine builds it: minutes).
 */
class BootOci2vmKernelIT extends BootTests {
  private static KernelSource built;

  @Override
  synchronized KernelSource kernel() {
    if (built == null) {
      Kernels.Built k =
          Kernels.in(null, e -> System.out.println("kernel: " + e)).build(null, List.of());
      built = KernelSource.file(k.bzImage(), null);
    }
    return built;
  }

  @Override
  boolean modular() {
    return false;
  }
}
