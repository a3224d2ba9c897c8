package io.oci2vm.internal.kernel;

import io.oci2vm.Digest;
import java.nio.file.Path;
import java.util.Map;

/**
 * A kernel ready to use: the bzImage, its release, the modules directory that matches it (null when
 * it has none: then the drivers must be built in), and its build config when known.
 *
 * @param image the bzImage
 * @param release e.g. 6.1.0-56-cloud-amd64
 * @param versionString the full version string from the image header
 * @param modules the {@code lib/modules/RELEASE} directory, or null
 * @param config CONFIG_ symbols and values, empty when unknown
 * @param origin where it came from, for messages and oci2vm.json
 * @param digest sha256 of the bzImage
 */
public record Kernel(
    Path image,
    String release,
    String versionString,
    Path modules,
    Map<String, String> config,
    String origin,
    Digest digest) {

  /** Whether the config is known and says the option is built in ({@code =y}). */
  public boolean builtIn(String option) {
    return "y".equals(config.get(option));
  }

  /** Whether the kernel can unpack a zstd initramfs; false when unknown. */
  public boolean supportsZstdInitramfs() {
    return builtIn("CONFIG_RD_ZSTD");
  }
}
