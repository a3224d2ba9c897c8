package io.oci2vm.internal.kernel;

import io.oci2vm.Digest;
import io.oci2vm.ErrorCode;
import io.oci2vm.Oci2vmException;
import io.oci2vm.ProgressEvent;
import io.oci2vm.ProgressListener;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Builds oci2vm's microVM kernel from Linux source with the curated config (resource {@code
 * io/oci2vm/kernel/oci2vm.config}) and any extra fragments, once per recipe: the recipe hash covers
 * the build script, every fragment and the source tarball, and keys the cache entry {@code
 * kernels/built/HASH/} ({@code bzImage}, {@code config}, {@code release}, {@code build.log}).
 */
public final class KernelBuilder {
  static final String RESOURCES = "/io/oci2vm/kernel/";

  private final Path cacheRoot;
  private final ProgressListener listener;

  /** A builder caching under {@code cacheRoot}. */
  public KernelBuilder(Path cacheRoot, ProgressListener listener) {
    this.cacheRoot = cacheRoot;
    this.listener = listener;
  }

  /** A built kernel: its cache directory, recipe hash and release. */
  public record Built(Path dir, String recipeHash, String release) {
    /** The bzImage. */
    public Path bzImage() {
      return dir.resolve("bzImage");
    }
  }

  /** The default source: the newest Debian {@code linux-source-*} tarball in /usr/src. */
  public static Path defaultSource() {
    try (Stream<Path> s = Files.list(Path.of("/usr/src"))) {
      return s.filter(
              p -> p.getFileName().toString().matches("linux-source-[0-9.]+\\.tar\\.(xz|bz2|gz)"))
          .max(
              Comparator.comparing(p -> p.getFileName().toString(), KernelLocator::compareVersions))
          .orElseThrow(KernelBuilder::noSource);
    } catch (IOException e) {
      throw noSource();
    }
  }

  private static Oci2vmException noSource() {
    return new Oci2vmException(
        ErrorCode.NO_KERNEL,
        "no Linux source: install Debian's linux-source package (apt-get install linux-source-6.1)"
            + " or pass --source TARBALL");
  }

  /** The kernels built so far, newest first. */
  public List<Built> list() {
    Path dir = cacheRoot.resolve("kernels/built");
    List<Built> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (Stream<Path> s = Files.list(dir)) {
      s.filter(p -> Files.isRegularFile(p.resolve("bzImage")))
          .sorted(Comparator.comparing(KernelBuilder::mtime).reversed())
          .forEach(p -> out.add(new Built(p, p.getFileName().toString(), readRelease(p))));
    } catch (IOException e) {
      throw new Oci2vmException(
          ErrorCode.IO_ERROR, "cannot list " + dir + ": " + e.getMessage(), e);
    }
    return out;
  }

  /** The kernel the default recipe (default source, curated config) builds, if built already. */
  public Optional<Built> cachedDefault() {
    Path source;
    try {
      source = defaultSource();
    } catch (Oci2vmException e) {
      return list().stream().findFirst();
    }
    Path dir = entry(recipeHash(source, List.of()));
    return Files.isRegularFile(dir.resolve("bzImage"))
        ? Optional.of(new Built(dir, dir.getFileName().toString(), readRelease(dir)))
        : list().stream().findFirst();
  }

  /** Builds (or finds cached) the kernel from {@code source} with extra {@code fragments}. */
  public Built build(Path source, List<Path> fragments) {
    String hash = recipeHash(source, fragments);
    Path target = entry(hash);
    if (Files.isRegularFile(target.resolve("bzImage"))) {
      listener.onEvent(new ProgressEvent.Step("kernel", "kernel " + hash + " is cached"));
      return new Built(target, hash, readRelease(target));
    }
    // One build per recipe at a time, also across processes; a waiter finds the result cached.
    Path lock = cacheRoot.resolve("kernels/work").resolve(hash + ".lock");
    try {
      Files.createDirectories(lock.getParent());
      try (FileChannel ch =
              FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock held = ch.lock()) {
        if (Files.isRegularFile(target.resolve("bzImage"))) {
          return new Built(target, hash, readRelease(target));
        }
        return buildLocked(source, fragments, hash, target);
      }
    } catch (IOException e) {
      throw new Oci2vmException(
          ErrorCode.IO_ERROR, "cannot lock " + lock + ": " + e.getMessage(), e);
    }
  }

  private Built buildLocked(Path source, List<Path> fragments, String hash, Path target) {
    Path work = cacheRoot.resolve("kernels/work").resolve(hash);
    try {
      io.oci2vm.internal.FileTrees.deleteRecursively(work);
      Files.createDirectories(work);
      Path script = work.resolve("build.sh");
      Path config = work.resolve("oci2vm.config");
      // build.sh finds the fragment beside itself
      copyResource("build.sh", script);
      copyResource("oci2vm.config", config);
      // build.sh merges oci2vm.config from its own directory, then the extra fragments.
      List<String> cmd =
          new ArrayList<>(
              List.of(
                  "bash", script.toString(), source.toString(), work.resolve("out").toString()));
      fragments.forEach(f -> cmd.add(f.toAbsolutePath().toString()));
      Path log = work.resolve("build.log");
      listener.onEvent(
          new ProgressEvent.Step(
              "kernel",
              "building kernel "
                  + hash
                  + " from "
                  + source
                  + " (several minutes; log: "
                  + log
                  + ")"));
      run(cmd, log);
      Path out = work.resolve("out");
      Path staged = Files.createTempDirectory(work, "entry-");
      if (Files.isRegularFile(out.resolve("vmlinux"))) {
        Files.copy(out.resolve("vmlinux"), staged.resolve("vmlinux"));
      }
      for (String f : List.of("bzImage", "config", "release")) {
        if (!Files.isRegularFile(out.resolve(f))) {
          throw new Oci2vmException(
              ErrorCode.KERNEL_UNSUITABLE, "the kernel build produced no " + f + "; see " + log);
        }
        Files.copy(out.resolve(f), staged.resolve(f));
      }
      Files.copy(log, staged.resolve("build.log"));
      Files.createDirectories(target.getParent());
      Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE);
      io.oci2vm.internal.FileTrees.deleteRecursively(work);
      return new Built(target, hash, readRelease(target));
    } catch (IOException e) {
      throw new Oci2vmException(
          ErrorCode.IO_ERROR,
          "kernel build failed: " + e.getMessage() + " (work dir " + work + ")",
          e);
    }
  }

  private void run(List<String> cmd, Path log) throws IOException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try (BufferedReader r =
            new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        OutputStream l = Files.newOutputStream(log)) {
      for (String line; (line = r.readLine()) != null; ) {
        l.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        if (line.startsWith("build.sh:") || line.startsWith("==")) {
          listener.onEvent(new ProgressEvent.Step("kernel", line));
        }
      }
    }
    try {
      if (p.waitFor() != 0) {
        List<String> lines = Files.readAllLines(log);
        throw new Oci2vmException(
            ErrorCode.KERNEL_UNSUITABLE,
            "the kernel build failed (exit "
                + p.exitValue()
                + "); last lines of "
                + log
                + ":\n"
                + String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size())));
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  /** The recipe hash: build script, curated config, extra fragments and the source's identity. */
  String recipeHash(Path source, List<Path> fragments) {
    try {
      StringBuilder recipe = new StringBuilder();
      recipe.append("build.sh=").append(Digest.of(resource("build.sh"))).append('\n');
      recipe.append("oci2vm.config=").append(Digest.of(resource("oci2vm.config"))).append('\n');
      for (Path f : fragments) {
        recipe.append("fragment=").append(Digest.ofFile(f)).append('\n');
      }
      // The tarball's name, size and mtime identify a Debian package's source well enough and
      // cost nothing; hashing 140 MB on every convert would not.
      recipe
          .append("source=")
          .append(source.getFileName())
          .append(' ')
          .append(Files.size(source))
          .append(' ')
          .append(Files.getLastModifiedTime(source).toMillis())
          .append('\n');
      return Digest.of(recipe.toString().getBytes(StandardCharsets.UTF_8)).hex().substring(0, 16);
    } catch (IOException e) {
      throw new Oci2vmException(
          ErrorCode.IO_ERROR, "cannot read " + source + ": " + e.getMessage(), e);
    }
  }

  private Path entry(String hash) {
    return cacheRoot.resolve("kernels/built").resolve(hash);
  }

  static byte[] resource(String name) throws IOException {
    try (InputStream in = KernelBuilder.class.getResourceAsStream(RESOURCES + name)) {
      if (in == null) {
        throw new IOException("missing resource " + RESOURCES + name);
      }
      return in.readAllBytes();
    }
  }

  private static void copyResource(String name, Path to) throws IOException {
    Files.write(to, resource(name));
  }

  private static String readRelease(Path dir) {
    try {
      return Files.readString(dir.resolve("release")).trim();
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static long mtime(Path p) {
    try {
      return Files.getLastModifiedTime(p).toMillis();
    } catch (IOException e) {
      return 0;
    }
  }
}
