package io.oci2vm.internal.source;

import io.oci2vm.Digest;
import io.oci2vm.ErrorCode;
import io.oci2vm.Oci2vmException;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.Optional;

/**
 * The content-addressed cache: {@code blobs/sha256/HEX} holds blobs as pulled from registries and
 * {@code layers/sha256/HEX} holds layers uncompressed, keyed by diff_id, so a later conversion
 * reads them in place and a shared base layer is pulled and unpacked once. Entries appear only by
 * atomic rename after verification, so a crash never leaves a half-written entry that looks good.
 */
public final class BlobCache {
  private final Path root;

  /** A cache rooted at {@code root} (created on demand). */
  public BlobCache(Path root) {
    this.root = root.toAbsolutePath();
  }

  /** The cache root. */
  public Path root() {
    return root;
  }

  /** The default root: $OCI2VM_CACHE, else $XDG_CACHE_HOME/oci2vm, else ~/.cache/oci2vm. */
  public static Path defaultRoot() {
    String env = System.getenv("OCI2VM_CACHE");
    if (env != null && !env.isBlank()) {
      return Path.of(env);
    }
    String xdg = System.getenv("XDG_CACHE_HOME");
    if (xdg != null && !xdg.isBlank()) {
      return Path.of(xdg, "oci2vm");
    }
    return Path.of(System.getProperty("user.home"), ".cache", "oci2vm");
  }

  Optional<Path> blob(Digest digest) {
    return existing(blobPath(digest));
  }

  Optional<Path> layer(Digest diffId) {
    return existing(layerPath(diffId));
  }

  Path blobPath(Digest digest) {
    return root.resolve("blobs").resolve(digest.algorithm()).resolve(digest.hex());
  }

  Path layerPath(Digest diffId) {
    return root.resolve("layers").resolve(diffId.algorithm()).resolve(diffId.hex());
  }

  /** A fresh temporary file beside where {@code target} will go, on the same filesystem. */
  Path tempFor(Path target) {
    try {
      Files.createDirectories(target.getParent());
      return Files.createTempFile(target.getParent(), ".tmp-", ".partial");
    } catch (IOException e) {
      throw new Oci2vmException(
          ErrorCode.IO_ERROR, "cannot write to the cache at " + root + ": " + e.getMessage(), e);
    }
  }

  /** Moves a verified temporary file into place; a concurrent writer of the same content wins. */
  Path commit(Path temp, Path target) {
    try {
      try {
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, target);
      }
    } catch (FileAlreadyExistsException e) {
      deleteQuietly(temp);
    } catch (IOException e) {
      deleteQuietly(temp);
      throw new Oci2vmException(
          ErrorCode.IO_ERROR, "cannot write to the cache at " + root + ": " + e.getMessage(), e);
    }
    return target;
  }

  static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // a leftover .partial file is harmless; it never looks like a cache entry
    }
  }

  private static Optional<Path> existing(Path p) {
    if (!Files.isRegularFile(p)) {
      return Optional.empty();
    }
    try {
      // Touch on use, so a size-bounded cache can evict the least recently used entries.
      Files.setLastModifiedTime(p, FileTime.fromMillis(System.currentTimeMillis()));
    } catch (IOException ignored) {
      // read-only caches still work
    }
    return Optional.of(p);
  }
}
