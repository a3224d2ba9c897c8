package io.oci2vm;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;

/**
 * A comparable description of a root filesystem: for each path its type, permission bits, owner,
 * link target or device numbers, and content hash. Built from a directory (umoci's reference
 * unpack) or from a tar we wrote, so the two can be compared entry by entry.
 */
final class TreeSnapshot {
  private TreeSnapshot() {}

  /** One path's description. */
  record Meta(String type, int mode, long uid, long gid, String link, String sha256) {}

  static Map<String, Meta> ofDirectory(Path root) throws IOException {
    Map<String, Meta> out = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        if (p.equals(root)) {
          continue;
        }
        Map<String, Object> a =
            Files.readAttributes(p, "unix:mode,uid,gid,rdev", LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) a.get("mode");
        long rdev = (Long) a.get("rdev");
        String type;
        String link = null;
        String sha = null;
        switch (mode & 0170000) {
          case 0040000 -> type = "dir";
          case 0120000 -> {
            type = "symlink";
            link = Files.readSymbolicLink(p).toString();
          }
          case 0020000 -> {
            type = "char";
            link = major(rdev) + ":" + minor(rdev);
          }
          case 0060000 -> {
            type = "block";
            link = major(rdev) + ":" + minor(rdev);
          }
          case 0010000 -> type = "fifo";
          default -> {
            type = "file";
            try (InputStream in = Files.newInputStream(p)) {
              sha = sha256(in);
            }
          }
        }
        out.put(
            root.relativize(p).toString(),
            new Meta(
                type, mode & 07777, (Integer) a.get("uid"), (Integer) a.get("gid"), link, sha));
      }
    }
    return out;
  }

  static Map<String, Meta> ofTar(Path tar) throws IOException {
    Map<String, Meta> out = new TreeMap<>();
    try (TarFile t = new TarFile(tar)) {
      for (TarArchiveEntry e : t.getEntries()) {
        String name =
            e.getName().endsWith("/")
                ? e.getName().substring(0, e.getName().length() - 1)
                : e.getName();
        String link = null;
        String sha = null;
        String type;
        if (e.isLink()) {
          Meta target = out.get(e.getLinkName());
          out.put(name, target);
          continue;
        } else if (e.isDirectory()) {
          type = "dir";
        } else if (e.isSymbolicLink()) {
          type = "symlink";
          link = e.getLinkName();
        } else if (e.isCharacterDevice()) {
          type = "char";
          link = e.getDevMajor() + ":" + e.getDevMinor();
        } else if (e.isBlockDevice()) {
          type = "block";
          link = e.getDevMajor() + ":" + e.getDevMinor();
        } else if (e.isFIFO()) {
          type = "fifo";
        } else {
          type = "file";
          try (InputStream in = t.getInputStream(e)) {
            sha = sha256(in);
          }
        }
        out.put(
            name,
            new Meta(type, e.getMode() & 07777, e.getLongUserId(), e.getLongGroupId(), link, sha));
      }
    }
    return out;
  }

  /** Human-readable differences, empty when equal. */
  static String diff(Map<String, Meta> expected, Map<String, Meta> actual) {
    StringBuilder sb = new StringBuilder();
    int shown = 0;
    for (var e : expected.entrySet()) {
      Meta a = actual.get(e.getKey());
      if (!e.getValue().equals(a) && shown++ < 30) {
        sb.append("  ")
            .append(e.getKey())
            .append(": expected ")
            .append(e.getValue())
            .append(", got ")
            .append(a)
            .append('\n');
      }
    }
    for (String k : actual.keySet()) {
      if (!expected.containsKey(k) && shown++ < 30) {
        sb.append("  ").append(k).append(": unexpected ").append(actual.get(k)).append('\n');
      }
    }
    return sb.toString();
  }

  private static long major(long rdev) {
    return ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL);
  }

  private static long minor(long rdev) {
    return (rdev & 0xff) | ((rdev >>> 12) & ~0xffL);
  }

  private static String sha256(InputStream in) throws IOException {
    MessageDigest md = Digest.newSha256();
    byte[] buf = new byte[1 << 16];
    for (int n; (n = in.read(buf)) > 0; ) {
      md.update(buf, 0, n);
    }
    return HexFormat.of().formatHex(md.digest());
  }
}
