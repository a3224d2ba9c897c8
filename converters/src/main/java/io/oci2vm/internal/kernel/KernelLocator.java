package io.oci2vm.internal.kernel;

import io.oci2vm.Digest;
import io.oci2vm.ErrorCode;
import io.oci2vm.Oci2vmException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Finds kernels: a file the user names, or the distro kernel installed on this machine. */
public final class KernelLocator {
  private final Path boot;
  private final Path modulesRoot;

  /** A locator looking in /boot and /lib/modules. */
  public KernelLocator() {
    this(Path.of("/boot"), Path.of("/lib/modules"));
  }

  KernelLocator(Path boot, Path modulesRoot) {
    this.boot = boot;
    this.modulesRoot = modulesRoot;
  }

  /**
   * The kernel at {@code image}, with modules from {@code modules} (a {@code lib/modules/RELEASE}
   * directory, or a directory holding one) or, when null, from /lib/modules if the release matches.
   */
  public Kernel file(Path image, Path modules) {
    if (!Files.isRegularFile(image)) {
      throw new Oci2vmException(ErrorCode.NO_KERNEL, "kernel " + image + " does not exist");
    }
    String version = BzImage.versionString(image);
    String release = version.split(" ", 2)[0];
    Path dir =
        modules == null ? existingDir(modulesRoot.resolve(release)) : modulesDir(modules, release);
    Path imageDir = image.toAbsolutePath().getParent();
    Map<String, String> config = readConfig(imageDir.resolve("config-" + release));
    if (config.isEmpty()) {
      config = readConfig(imageDir.resolve("config"));
    }
    if (config.isEmpty() && dir != null) {
      config = readConfig(dir.resolve("config"));
    }
    return new Kernel(image, release, version, dir, config, "file " + image, sha256(image));
  }

  /** The newest kernel installed in /boot that has its modules in /lib/modules. */
  public Kernel host() {
    List<Path> candidates = new ArrayList<>();
    if (Files.isDirectory(boot)) {
      try (Stream<Path> s = Files.list(boot)) {
        s.filter(p -> p.getFileName().toString().startsWith("vmlinuz-"))
            .filter(Files::isReadable)
            .filter(p -> Files.isDirectory(modulesRoot.resolve(releaseOf(p))))
            .forEach(candidates::add);
      } catch (IOException e) {
        throw new Oci2vmException(
            ErrorCode.IO_ERROR, "cannot list " + boot + ": " + e.getMessage(), e);
      }
    }
    Path best =
        candidates.stream()
            .max(Comparator.comparing(p -> releaseOf(p), KernelLocator::compareVersions))
            .orElseThrow(
                () ->
                    new Oci2vmException(
                        ErrorCode.NO_KERNEL,
                        "no kernel given and none installed in "
                            + boot
                            + " with modules in "
                            + modulesRoot
                            + "; pass --kernel PATH (and --modules DIR), or install one"
                            + " (Debian: apt-get install linux-image-cloud-amd64)"));
    Kernel k = file(best, modulesRoot.resolve(releaseOf(best)));
    return new Kernel(
        k.image(),
        k.release(),
        k.versionString(),
        k.modules(),
        k.config(),
        "host " + best,
        k.digest());
  }

  private static String releaseOf(Path vmlinuz) {
    return vmlinuz.getFileName().toString().substring("vmlinuz-".length());
  }

  private static Path modulesDir(Path given, String release) {
    for (Path p :
        List.of(given, given.resolve(release), given.resolve("lib/modules").resolve(release))) {
      if (Files.isRegularFile(p.resolve("modules.dep"))) {
        return p;
      }
    }
    throw new Oci2vmException(
        ErrorCode.KERNEL_UNSUITABLE,
        "no modules for kernel "
            + release
            + " in "
            + given
            + " (looked for modules.dep in it, in "
            + release
            + "/ and in lib/modules/"
            + release
            + "/)");
  }

  private static Path existingDir(Path p) {
    return Files.isRegularFile(p.resolve("modules.dep")) ? p : null;
  }

  static Map<String, String> readConfig(Path config) {
    Map<String, String> out = new HashMap<>();
    if (!Files.isRegularFile(config)) {
      return out;
    }
    try {
      for (String line : Files.readAllLines(config)) {
        int eq = line.indexOf('=');
        if (line.startsWith("CONFIG_") && eq > 0) {
          out.put(line.substring(0, eq), line.substring(eq + 1));
        }
      }
    } catch (IOException e) {
      return Map.of();
    }
    return out;
  }

  static Digest sha256(Path file) {
    try {
      return Digest.ofFile(file);
    } catch (IOException e) {
      throw new Oci2vmException(
          ErrorCode.IO_ERROR, "cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** Compares version strings numerically where they are numbers: 6.10 after 6.9. */
  static int compareVersions(String a, String b) {
    String[] x = a.split("[.-]");
    String[] y = b.split("[.-]");
    for (int i = 0; i < Math.min(x.length, y.length); i++) {
      int c;
      if (x[i].matches("\\d+") && y[i].matches("\\d+")) {
        c = Long.compare(Long.parseLong(x[i]), Long.parseLong(y[i]));
      } else {
        c = x[i].compareTo(y[i]);
      }
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(x.length, y.length);
  }
}
