package io.oci2vm.cli;

import io.oci2vm.Conversion;
import io.oci2vm.ImageSource;
import io.oci2vm.Limits;
import io.oci2vm.Platform;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Option;

/** Options shared by every command that reads an image. */
final class SourceOptions {
  @Option(
      names = "--platform",
      paramLabel = "OS/ARCH[/VARIANT]",
      description = "Platform to pick from a multi-platform image (default: ${DEFAULT-VALUE}).",
      defaultValue = "linux/amd64")
  String platform;

  @Option(
      names = "--cache-dir",
      paramLabel = "DIR",
      description = "Blob and layer cache (default: $OCI2VM_CACHE or ~/.cache/oci2vm).")
  Path cacheDir;

  @Option(
      names = "--insecure-registry",
      paramLabel = "HOST[:PORT]",
      description = "Allow plain HTTP or unverified TLS for this registry (loopback always is).")
  List<String> insecureRegistries = new ArrayList<>();

  @Option(
      names = "--docker-config",
      paramLabel = "FILE",
      description = "Docker config.json with registry credentials (default: as Docker finds it).")
  Path dockerConfig;

  @Option(
      names = "--max-entries",
      paramLabel = "N",
      description = "Most tar entries over all layers (default: ${DEFAULT-VALUE}).",
      defaultValue = "2000000")
  long maxEntries;

  @Option(
      names = "--max-total-bytes",
      paramLabel = "BYTES",
      description = "Most uncompressed layer bytes (default: ${DEFAULT-VALUE}).",
      defaultValue = "68719476736")
  long maxTotalBytes;

  @Option(
      names = "--max-path-length",
      paramLabel = "N",
      description = "Longest entry path in bytes (default: ${DEFAULT-VALUE}).",
      defaultValue = "4096")
  int maxPathLength;

  @Option(
      names = "--max-manifest-bytes",
      paramLabel = "BYTES",
      description = "Largest manifest, index or config (default: ${DEFAULT-VALUE}).",
      defaultValue = "4194304")
  long maxManifestBytes;

  Conversion conversion(String source) {
    Conversion c =
        Conversion.from(ImageSource.parse(source))
            .platform(Platform.parse(platform))
            .insecureRegistries(Set.copyOf(insecureRegistries))
            .limits(new Limits(maxManifestBytes, maxEntries, maxPathLength, maxTotalBytes));
    if (cacheDir != null) {
      c.cacheDir(cacheDir);
    }
    if (dockerConfig != null) {
      c.dockerConfig(dockerConfig);
    }
    return c;
  }
}
