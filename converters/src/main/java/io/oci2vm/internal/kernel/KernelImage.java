package io.oci2vm.internal.kernel;

import io.oci2vm.Digest;
import io.oci2vm.ErrorCode;
import io.oci2vm.Oci2vmException;
import io.oci2vm.internal.flatten.Node;
import io.oci2vm.internal.flatten.RootFs;
import io.oci2vm.internal.slim.PathResolver;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Kernel OCI images in LinuxKit's layout: {@code /kernel} is the bzImage and {@code /kernel.tar}
 * holds {@code lib/modules/RELEASE}. They are unpacked once per image digest into the kernel cache
 * ({@code kernels/sha256/HEX/}: {@code kernel}, {@code lib/modules/...}, {@code config} when the
 * image has one), by atomic rename so a crash never leaves a half-unpacked kernel.
 */
public final class KernelImage {
  private KernelImage() {}

  /** Manifest annotation: the kernel release. */
  public static final String RELEASE_ANNOTATION = "org.opencontainers.image.version";

  /** Manifest annotation: the hash of the recipe (source, script, config fragments). */
  public static final String CONFIG_HASH_ANNOTATION = "io.oci2vm.kernel.config-hash";

  /**
   * Packages a built kernel as a kernel OCI image layout at {@code layout}: {@code /kernel}, an
   * empty {@code /kernel.tar} (everything is built in; LinuxKit's layout still has one) and {@code
   * /config}, with the release and recipe hash as manifest annotations.
   */
  public static Digest write(KernelBuilder.Built built, Path layout, String tag)
      throws IOException {
    java.io.ByteArrayOutputStream emptyTar = new java.io.ByteArrayOutputStream();
    try (var t = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(emptyTar)) {
      var e =
          new org.apache.commons.compress.archivers.tar.TarArchiveEntry(
              "lib/modules/" + built.release() + "/");
      e.setModTime(0);
      t.putArchiveEntry(e);
      t.closeArchiveEntry();
    }
    var entries =
        java.util.List.of(
            new io.oci2vm.internal.write.OciLayoutWriter.Entry(
                "kernel", 0644, 0, 0, Files.readAllBytes(built.bzImage())),
            new io.oci2vm.internal.write.OciLayoutWriter.Entry(
                "kernel.tar", 0644, 0, 0, emptyTar.toByteArray()),
            new io.oci2vm.internal.write.OciLayoutWriter.Entry(
                "config", 0644, 0, 0, Files.readAllBytes(built.dir().resolve("config"))));
    var runtime = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
    runtime.putObject("Labels").put(RELEASE_ANNOTATION, built.release());
    return io.oci2vm.internal.write.OciLayoutWriter.write(
        layout,
        tag,
        entries,
        runtime,
        java.util.Map.of(
            RELEASE_ANNOTATION, built.release(), CONFIG_HASH_ANNOTATION, built.recipeHash()));
  }

  /** The cache directory for the image with this manifest digest. */
  public static Path cacheDir(Path cacheRoot, Digest manifest) {
    return cacheRoot.resolve("kernels").resolve(manifest.algorithm()).resolve(manifest.hex());
  }

  /** Unpacks the kernel image's flattened tree into {@code target} unless it is there already. */
  public static Kernel unpack(RootFs fs, Path target, String origin) throws IOException {
    if (!Files.isRegularFile(target.resolve("kernel"))) {
      PathResolver r = new PathResolver(fs);
      Node kernel = r.resolve("/kernel").node();
      if (kernel == null || !kernel.inode().isRegular()) {
        throw new Oci2vmException(
            ErrorCode.KERNEL_UNSUITABLE,
            origin + " is not a kernel image: it has no /kernel file (LinuxKit layout expected)");
      }
      Files.createDirectories(target.getParent());
      Path temp = Files.createTempDirectory(target.getParent(), ".unpack-");
      try {
        try (InputStream in = fs.open(kernel.inode())) {
          Files.copy(in, temp.resolve("kernel"));
        }
        Node config = r.resolve("/config").node();
        if (config != null && config.inode().isRegular()) {
          try (InputStream in = fs.open(config.inode())) {
            Files.copy(in, temp.resolve("config"));
          }
        }
        Node modules = r.resolve("/kernel.tar").node();
        if (modules != null && modules.inode().isRegular()) {
          try (InputStream in = fs.open(modules.inode())) {
            extractModules(in, temp, origin);
          }
        }
        try {
          Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (java.nio.file.FileAlreadyExistsException
            | java.nio.file.DirectoryNotEmptyException e) {
          // another conversion unpacked the same image meanwhile
        }
      } finally {
        io.oci2vm.internal.FileTrees.deleteRecursively(temp);
      }
    }
    Path image = target.resolve("kernel");
    String release = BzImage.release(image);
    Path modules = target.resolve("lib/modules").resolve(release);
    Kernel k =
        new KernelLocator()
            .file(image, Files.isRegularFile(modules.resolve("modules.dep")) ? modules : null);
    return new Kernel(
        k.image(),
        k.release(),
        k.versionString(),
        k.modules(),
        k.config().isEmpty() ? KernelLocator.readConfig(target.resolve("config")) : k.config(),
        origin,
        k.digest());
  }

  /** Extracts lib/modules from kernel.tar: only regular files and directories, paths confined. */
  private static void extractModules(InputStream in, Path root, String origin) throws IOException {
    try (TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
      for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
        String name = e.getName();
        while (name.startsWith("./")) {
          name = name.substring(2);
        }
        if (!name.startsWith("lib/modules/")) {
          continue;
        }
        Path p = root.resolve(name).normalize();
        if (!p.startsWith(root) || name.contains("..")) {
          throw new Oci2vmException(
              ErrorCode.UNSAFE_PATH, origin + " kernel.tar entry '" + e.getName() + "' is unsafe");
        }
        if (e.isDirectory()) {
          Files.createDirectories(p);
        } else if (e.isFile()) {
          Files.createDirectories(p.getParent());
          Files.copy(tar, p, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }
}
