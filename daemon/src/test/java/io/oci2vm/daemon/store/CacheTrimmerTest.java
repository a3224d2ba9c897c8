package io.oci2vm.daemon.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CacheTrimmerTest {
  private static final Instant T0 = Instant.parse("2024-01-01T00:00:00Z");

  @TempDir Path cache;

  /**
   * A cache file last used {@code seconds} after T0 (both times set: the trimmer takes the later).
   */
  private Path entry(String path, int bytes, int seconds) throws IOException {
    Path p = cache.resolve(path);
    Files.createDirectories(p.getParent());
    Files.write(p, new byte[bytes]);
    FileTime t = FileTime.from(T0.plusSeconds(seconds));
    Files.setAttribute(p, "lastAccessTime", t);
    Files.setLastModifiedTime(p, t);
    return p;
  }

  @Test
  void trim_deletesLeastRecentlyUsedUntilUnderTheLimit() throws IOException {
    Path blobOld = entry("blobs/sha256/aa", 100, 1);
    Path layerNew = entry("layers/sha256/bb", 100, 4);
    Path blobMid = entry("blobs/sha256/cc", 100, 2);
    Path layerMid = entry("layers/sha256/dd", 100, 3);

    long freed = CacheTrimmer.trim(cache, 250);

    assertEquals(200, freed);
    assertFalse(Files.exists(blobOld));
    assertFalse(Files.exists(blobMid));
    assertTrue(Files.exists(layerMid));
    assertTrue(Files.exists(layerNew));
    assertEquals(0, CacheTrimmer.trim(cache, 250));
  }

  @Test
  void trim_laterAccessCountsAsUse() throws IOException {
    Path read = entry("layers/sha256/aa", 100, 1);
    Path unread = entry("layers/sha256/bb", 100, 2);
    Files.setAttribute(read, "lastAccessTime", FileTime.from(T0.plusSeconds(9)));

    CacheTrimmer.trim(cache, 100);

    assertTrue(Files.exists(read));
    assertFalse(Files.exists(unread));
  }

  @Test
  void trim_leavesKernelsAndOtherFilesAlone() throws IOException {
    Path kernel = entry("kernels/vmlinuz-6.6", 1000, 0);
    Path fixture = entry("fixtures/busybox.tar", 1000, 0);
    Path blob = entry("blobs/sha256/aa", 100, 5);

    long freed = CacheTrimmer.trim(cache, 0);

    assertEquals(100, freed);
    assertFalse(Files.exists(blob));
    assertTrue(Files.exists(kernel));
    assertTrue(Files.exists(fixture));
  }

  @Test
  void trim_underTheLimitDeletesNothing() throws IOException {
    Path blob = entry("blobs/sha256/aa", 100, 0);
    assertEquals(0, CacheTrimmer.trim(cache, 100));
    assertTrue(Files.exists(blob));
  }

  @Test
  void trim_keepsFreshPartialsAndDeletesStaleOnes() throws IOException {
    Path fresh = entry("blobs/sha256/.tmp-1.partial", 50, 0);
    Files.setLastModifiedTime(fresh, FileTime.from(Instant.now()));
    Path stale = entry("layers/sha256/.tmp-2.partial", 70, 0);
    Files.setLastModifiedTime(
        stale, FileTime.from(Instant.now().minus(CacheTrimmer.STALE_PARTIAL).minusSeconds(60)));

    long freed = CacheTrimmer.trim(cache, 0);

    assertEquals(70, freed);
    assertTrue(Files.exists(fresh));
    assertFalse(Files.exists(stale));
  }

  @Test
  void trim_missingCacheFreesNothing() {
    assertEquals(0, CacheTrimmer.trim(cache.resolve("nowhere"), 0));
  }
}
