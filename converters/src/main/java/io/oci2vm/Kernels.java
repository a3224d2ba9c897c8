package io.oci2vm;

import io.oci2vm.internal.kernel.KernelBuilder;
import io.oci2vm.internal.kernel.KernelImage;
import io.oci2vm.internal.source.BlobCache;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** oci2vm's own microVM kernel: building it, packaging it as a kernel image, listing the cache. */
public final class Kernels {
  private final Path cacheDir;
  private final ProgressListener listener;

  private Kernels(Path cacheDir, ProgressListener listener) {
    this.cacheDir = cacheDir;
    this.listener = listener;
  }

  /** Kernels cached under {@code cacheDir} (null for the default cache). */
  public static Kernels in(Path cacheDir, ProgressListener listener) {
    return new Kernels(cacheDir == null ? BlobCache.defaultRoot() : cacheDir, listener);
  }

  /** A built kernel. */
  public record Built(Path bzImage, String release, String configHash, long size) {}

  /** A cached kernel, built here or pulled as an image. */
  public record Cached(String kind, String id, String release, long size, Path path) {}

  /**
   * Builds the kernel from {@code source} (null: Debian's linux-source tarball) with the curated
   * config plus {@code fragments}, or returns the cached one with the same recipe.
   */
  public Built build(Path source, List<Path> fragments) {
    KernelBuilder.Built b =
        new KernelBuilder(cacheDir, listener)
            .build(source == null ? KernelBuilder.defaultSource() : source, fragments);
    return toBuilt(b);
  }

  /**
   * Packages a built kernel (by config hash) as a kernel OCI image layout at {@code layout} with
   * {@code tag}; returns the manifest digest.
   */
  public Digest writeImage(String configHash, Path layout, String tag) {
    KernelBuilder.Built b =
        new KernelBuilder(cacheDir, listener)
            .list().stream()
                .filter(k -> k.recipeHash().equals(configHash))
                .findFirst()
                .orElseThrow(
                    () ->
                        new Oci2vmException(ErrorCode.NO_KERNEL, "no built kernel " + configHash));
    try {
      return KernelImage.write(b, layout, tag);
    } catch (IOException e) {
      throw new Oci2vmException(
          ErrorCode.IO_ERROR, "cannot write kernel image to " + layout + ": " + e.getMessage(), e);
    }
  }

  /**
   * Packages a built kernel as a kernel image and pushes it to {@code target} (a registry reference
   * with a tag); returns the pushed manifest's digest.
   */
  public Digest pushImage(
      String configHash,
      ImageReference target,
      java.util.Set<String> insecureRegistries,
      Path dockerConfig) {
    Path layout = null;
    try {
      Files.createDirectories(cacheDir.resolve("tmp"));
      layout = Files.createTempDirectory(cacheDir.resolve("tmp"), "kernel-image-");
      String tag = target.tag() != null ? target.tag() : "latest";
      writeImage(configHash, layout, tag);
      var options =
          io.oci2vm.internal.source.RegistryOptions.defaults()
              .withInsecureRegistries(insecureRegistries);
      if (dockerConfig != null) {
        options = options.withDockerConfig(dockerConfig);
      }
      listener.onEvent(new ProgressEvent.Step("push", "pushing kernel image to " + target));
      return io.oci2vm.internal.source.RegistryPusher.pushLayout(layout, tag, target, options);
    } catch (IOException e) {
      throw new Oci2vmException(
          ErrorCode.IO_ERROR, "cannot push the kernel image: " + e.getMessage(), e);
    } finally {
      if (layout != null) {
        try {
          io.oci2vm.internal.FileTrees.deleteRecursively(layout);
        } catch (IOException ignored) {
          // a leftover temp layout under the cache's tmp/ is harmless
        }
      }
    }
  }

  /** Every cached kernel: built ones first (newest first), then pulled kernel images. */
  public List<Cached> list() {
    List<Cached> out = new ArrayList<>();
    for (KernelBuilder.Built b : new KernelBuilder(cacheDir, listener).list()) {
      out.add(new Cached("built", b.recipeHash(), b.release(), size(b.bzImage()), b.bzImage()));
    }
    Path pulled = cacheDir.resolve("kernels/sha256");
    if (Files.isDirectory(pulled)) {
      try (Stream<Path> s = Files.list(pulled)) {
        s.filter(p -> Files.isRegularFile(p.resolve("kernel")))
            .sorted()
            .forEach(
                p -> {
                  String release;
                  try {
                    release = io.oci2vm.internal.kernel.BzImage.release(p.resolve("kernel"));
                  } catch (Oci2vmException e) {
                    release = "unknown";
                  }
                  out.add(
                      new Cached(
                          "image",
                          "sha256:" + p.getFileName(),
                          release,
                          size(p.resolve("kernel")),
                          p.resolve("kernel")));
                });
      } catch (IOException e) {
        throw new Oci2vmException(ErrorCode.IO_ERROR, "cannot list " + pulled, e);
      }
    }
    return out;
  }

  private static Built toBuilt(KernelBuilder.Built b) {
    return new Built(b.bzImage(), b.release(), b.recipeHash(), size(b.bzImage()));
  }

  private static long size(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      return -1;
    }
  }
}
