package io.oci2vm;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What slimming kept, why, and what it dropped. Files count every non-directory path; bytes count
 * regular file content once per inode, so hard links are not counted twice.
 *
 * @param filesBefore non-directory paths before slimming
 * @param bytesBefore content bytes before slimming
 * @param filesAfter non-directory paths kept
 * @param bytesAfter content bytes kept
 * @param kept every kept path with the reason it was kept (directories needed to reach kept files
 *     included)
 * @param dropped every dropped non-directory path with its size
 * @param unresolved libraries a kept program needs that the image does not have
 */
public record SlimReport(
    long filesBefore,
    long bytesBefore,
    long filesAfter,
    long bytesAfter,
    List<Kept> kept,
    List<Dropped> dropped,
    List<Unresolved> unresolved) {

  /** Copies the lists. */
  public SlimReport {
    kept = List.copyOf(kept);
    dropped = List.copyOf(dropped);
    unresolved = List.copyOf(unresolved);
  }

  /** A kept path. */
  public record Kept(String path, String type, long size, String reason) {}

  /** A dropped path. */
  public record Dropped(String path, long size) {}

  /** A library named by DT_NEEDED (or an NSS module) that is not in the image. */
  public record Unresolved(String library, String neededBy) {}

  /**
   * The biggest dropped subtrees, summed by their first {@code depth} path components (so {@code
   * /usr/share/doc} rather than thousands of files), largest first.
   */
  public List<Dropped> biggestDropped(int count, int depth) {
    Map<String, Long> sums = new TreeMap<>();
    for (Dropped d : dropped) {
      String[] parts = d.path().split("/");
      StringBuilder key = new StringBuilder();
      for (int i = 1; i < parts.length && i <= depth; i++) {
        key.append('/').append(parts[i]);
      }
      sums.merge(key.toString(), d.size(), Long::sum);
    }
    List<Dropped> out = new ArrayList<>();
    sums.forEach(
        (k, v) -> {
          if (v > 0) {
            out.add(new Dropped(k, v));
          }
        });
    out.sort(Comparator.comparingLong(Dropped::size).reversed().thenComparing(Dropped::path));
    return out.subList(0, Math.min(count, out.size()));
  }
}
