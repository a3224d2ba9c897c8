package io.oci2vm.daemon.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The daemon's artifact directory: each job's files in {@code DIR/JOB_ID/}, kept under a size limit
 * by deleting the least recently used jobs' directories.
 *
 * <p>Last use is the modification time of {@code DIR/JOB_ID/.last-used} (or of the directory until
 * the first touch), so it survives restarts without a separate index that could disagree with the
 * disk. A directory is deleted by first renaming it to {@code .deleting-...}, so a download never
 * sees a half-deleted job and a crash mid-delete leaves only a name the next instance removes.
 *
 * <p>Thread-safe. The caller protects the jobs still writing or being read (RUNNING jobs, jobs
 * sharing their artifacts with a RUNNING one) and tells the {@link JobStore} what was evicted.
 */
public final class ArtifactStore {
  static final String LAST_USED = ".last-used";
  private static final String DELETING = ".deleting-";

  private final Path dir;
  private final long maxBytes;

  /**
   * An artifact directory at {@code dir} (created) holding at most {@code maxBytes} after each
   * {@link #evict}; leftovers of interrupted deletions are removed now.
   */
  public ArtifactStore(Path dir, long maxBytes) {
    if (maxBytes < 0) {
      throw new IllegalArgumentException("maxBytes must not be negative: " + maxBytes);
    }
    this.dir = dir.toAbsolutePath();
    this.maxBytes = maxBytes;
    try {
      Files.createDirectories(this.dir);
      try (DirectoryStream<Path> s = Files.newDirectoryStream(this.dir, DELETING + "*")) {
        for (Path leftover : s) {
          FileTrees.delete(leftover);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the artifact directory " + dir, e);
    }
  }

  /** The directory of job {@code id}, created if it does not exist. */
  public Path jobDir(String id) {
    Path d = pathOf(id);
    try {
      return Files.createDirectories(d);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + d, e);
    }
  }

  /** Bytes in job {@code id}'s files; 0 if it has none. */
  public long size(String id) {
    Path d = pathOf(id);
    try {
      return FileTrees.size(d);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot size " + d, e);
    }
  }

  /** Records that job {@code id}'s artifacts were used now; nothing if it has no directory. */
  public void touch(String id) {
    touch(id, Instant.now());
  }

  /** Records a use at {@code when}; for tests, where uses within a clock tick must differ. */
  synchronized void touch(String id, Instant when) {
    Path d = pathOf(id);
    if (!Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Path marker = d.resolve(LAST_USED);
    try {
      try {
        Files.setLastModifiedTime(marker, FileTime.from(when));
      } catch (NoSuchFileException e) {
        Files.createFile(marker);
        Files.setLastModifiedTime(marker, FileTime.from(when));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot record the use of " + d, e);
    }
  }

  /** Deletes job {@code id}'s directory; false if it had none. */
  public synchronized boolean delete(String id) {
    Path d = pathOf(id);
    Path doomed = dir.resolve(DELETING + id + "-" + System.nanoTime());
    try {
      try {
        Files.move(d, doomed, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(d, doomed);
      }
    } catch (NoSuchFileException e) {
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + d, e);
    }
    try {
      FileTrees.delete(doomed);
    } catch (IOException e) {
      // renamed away, it is gone for callers; the next instance removes the rest
    }
    return true;
  }

  /**
   * While the total exceeds the limit, deletes the least recently used job directories not in
   * {@code protectedIds}. Returns the deleted ids, least recently used first; the caller passes
   * each to {@link JobStore#artifactsDeleted}.
   */
  public synchronized List<String> evict(Set<String> protectedIds) {
    Objects.requireNonNull(protectedIds, "protectedIds was not specified");
    record Entry(String id, long bytes, long lastUsed) {}
    List<Entry> entries = new ArrayList<>();
    long total = 0;
    try {
      for (String id : ids()) {
        long bytes = size(id);
        total += bytes;
        entries.add(new Entry(id, bytes, lastUsed(pathOf(id))));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the artifact directory " + dir, e);
    }
    entries.sort(Comparator.comparingLong(Entry::lastUsed).thenComparing(Entry::id));
    List<String> evicted = new ArrayList<>();
    for (Entry e : entries) {
      if (total <= maxBytes) {
        break;
      }
      if (!protectedIds.contains(e.id()) && delete(e.id())) {
        total -= e.bytes();
        evicted.add(e.id());
      }
    }
    return List.copyOf(evicted);
  }

  /** Bytes in all jobs' files. */
  public long totalBytes() {
    long total = 0;
    try {
      for (String id : ids()) {
        total += size(id);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the artifact directory " + dir, e);
    }
    return total;
  }

  private List<String> ids() throws IOException {
    List<String> ids = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      for (Path p : s) {
        String name = p.getFileName().toString();
        // anything else (a .deleting- leftover, a stray file) is not a job's directory
        if (JobIds.safe(name) && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          ids.add(name);
        }
      }
    }
    return ids;
  }

  private static long lastUsed(Path jobDir) throws IOException {
    Path marker = jobDir.resolve(LAST_USED);
    try {
      return Files.getLastModifiedTime(marker, LinkOption.NOFOLLOW_LINKS).toMillis();
    } catch (NoSuchFileException e) {
      return Files.getLastModifiedTime(jobDir, LinkOption.NOFOLLOW_LINKS).toMillis();
    }
  }

  private Path pathOf(String id) {
    // ids come from URLs: only [A-Za-z0-9_-], so no "..", separators or hidden names
    if (!JobIds.safe(id)) {
      throw new IllegalArgumentException("not a job id: " + id);
    }
    return dir.resolve(id);
  }
}
