package io.oci2vm.daemon.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Keeps the converters' blob cache (see {@code io.oci2vm.internal.source.BlobCache}) under a size
 * limit. Only the content-addressed entries are trimmed: {@code blobs/ALG/HEX} (blobs as pulled)
 * and {@code layers/ALG/HEX} (layers uncompressed); kernels and anything else in the cache stay.
 *
 * <p>Deleting an entry never breaks a later conversion, which pulls it again. A conversion that
 * already opened the file keeps reading it: on Linux an open file lives on after its name is
 * unlinked. One that looked the entry up but has not opened it yet fails with an I/O error, so the
 * daemon trims between conversions, or accepts that rare retry.
 */
public final class CacheTrimmer {
  /** In-flight writes ({@code .tmp-*.partial}) younger than this are someone's download. */
  static final Duration STALE_PARTIAL = Duration.ofDays(1);

  private static final List<String> TRIMMED = List.of("blobs", "layers");

  private CacheTrimmer() {}

  /**
   * Deletes least recently used cache entries until they total at most {@code maxBytes}, and
   * partial downloads abandoned over a day ago. Returns the bytes freed.
   */
  public static long trim(Path cacheDir, long maxBytes) {
    record Entry(Path path, long bytes, long lastUsed) {}
    List<Entry> entries = new ArrayList<>();
    long staleBefore = System.currentTimeMillis() - STALE_PARTIAL.toMillis();
    long[] freed = {0};
    for (String sub : TRIMMED) {
      Path root = cacheDir.resolve(sub);
      if (!Files.isDirectory(root)) {
        continue;
      }
      try {
        Files.walkFileTree(
            root,
            new SimpleFileVisitor<>() {
              @Override
              public FileVisitResult visitFile(Path file, BasicFileAttributes a) {
                if (!a.isRegularFile()) {
                  return FileVisitResult.CONTINUE;
                }
                if (file.getFileName().toString().startsWith(".")) {
                  if (a.lastModifiedTime().toMillis() < staleBefore && deleted(file)) {
                    freed[0] += a.size();
                  }
                  return FileVisitResult.CONTINUE;
                }
                // BlobCache marks a use by setting the modification time, and access times may
                // be off (noatime) or lazy (relatime): the later of the two is the last use
                long used =
                    Math.max(a.lastAccessTime().toMillis(), a.lastModifiedTime().toMillis());
                entries.add(new Entry(file, a.size(), used));
                return FileVisitResult.CONTINUE;
              }

              @Override
              public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                  return FileVisitResult.CONTINUE;
                }
                throw e;
              }
            });
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the cache at " + cacheDir, e);
      }
    }
    long total = entries.stream().mapToLong(Entry::bytes).sum();
    entries.sort(Comparator.comparingLong(Entry::lastUsed).thenComparing(Entry::path));
    for (Entry e : entries) {
      if (total <= maxBytes) {
        break;
      }
      if (deleted(e.path())) {
        total -= e.bytes();
        freed[0] += e.bytes();
      } else if (Files.notExists(e.path())) {
        total -= e.bytes(); // someone else deleted it meanwhile
      }
    }
    return freed[0];
  }

  private static boolean deleted(Path file) {
    try {
      return Files.deleteIfExists(file);
    } catch (IOException e) {
      // a read-only or busy entry stays; trimming is best effort
      return false;
    }
  }
}
