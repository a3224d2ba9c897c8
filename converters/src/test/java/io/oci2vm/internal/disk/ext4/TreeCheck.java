package io.oci2vm.internal.disk.ext4;

import static io.oci2vm.internal.disk.ext4.E2fsprogs.debugfs;
import static io.oci2vm.internal.disk.ext4.E2fsprogs.dump;
import static io.oci2vm.internal.disk.ext4.E2fsprogs.field;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.oci2vm.internal.disk.FsEntry;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.Map;

/** Reads an image back through debugfs and compares it with the tree that was written. */
final class TreeCheck {
  private TreeCheck() {}

  static void verifyTree(Path img, FsEntry root, Path tmp) throws Exception {
    Map<Object, Integer> names = new IdentityHashMap<>();
    countNames(root, names);
    walk(img, tmp, "", root, names);
  }

  private static void walk(Path img, Path tmp, String path, FsEntry e, Map<Object, Integer> names)
      throws Exception {
    verify(img, tmp, path.isEmpty() ? "/" : path, e, names.get(e.inode()));
    for (FsEntry c : e.children()) {
      walk(img, tmp, path + "/" + c.name(), c, names);
    }
  }

  private static void countNames(FsEntry e, Map<Object, Integer> names) {
    names.merge(e.inode(), 1, Integer::sum);
    e.children().forEach(c -> countNames(c, names));
  }

  static void verify(Path img, Path tmp, String path, FsEntry e, int names) throws Exception {
    String st = debugfs(img, "stat \"" + path + "\"");
    String where = path + ":\n" + st;
    assertEquals(e.mode(), Integer.parseInt(field(st, "Mode:\\s+(\\d+)"), 8), where);
    assertEquals(
        e.uid(), Integer.toUnsignedLong(Integer.parseInt(field(st, "User:\\s+(-?\\d+)"))), where);
    assertEquals(
        e.gid(), Integer.toUnsignedLong(Integer.parseInt(field(st, "Group:\\s+(-?\\d+)"))), where);
    long lo = Integer.parseUnsignedInt(field(st, " mtime: 0x(\\p{XDigit}{8})"), 16);
    long extra = Long.parseLong(field(st, " mtime: 0x\\p{XDigit}{8}:(\\p{XDigit}{8})"), 16);
    assertEquals(e.mtime(), (int) lo + ((extra & 3) << 32), where);
    long links =
        e.isDirectory()
            ? 2
                + e.children().stream().filter(FsEntry::isDirectory).count()
                + (path.equals("/") && e.child("lost+found") == null ? 1 : 0)
            : names;
    assertEquals(links, num(st, "Links: (\\d+)"), where);
    switch (e.type()) {
      case REGULAR -> {
        assertEquals(e.size(), num(st, "Size: (\\d+)"), where);
        assertEquals(
            PatternContent.sha256(e.open()),
            PatternContent.sha256(new ByteArrayInputStream(dump(img, path, tmp))),
            where);
      }
      case SYMLINK -> {
        if (e.linkTarget().length() < 60) {
          assertEquals(e.linkTarget(), field(st, "Fast link dest: \"(.*)\""), where);
        } else {
          assertEquals(e.linkTarget(), new String(dump(img, path, tmp), StandardCharsets.UTF_8));
        }
      }
      case CHAR_DEVICE, BLOCK_DEVICE -> {
        assertEquals(e.devMajor(), num(st, "Device major/minor number: (\\d+):"), where);
        assertEquals(e.devMinor(), num(st, "Device major/minor number: \\d+:(\\d+)"), where);
      }
      default -> {}
    }
    for (Map.Entry<String, byte[]> x : e.xattrs().entrySet()) {
      Path out = tmp.resolve("ea" + System.nanoTime());
      debugfs(img, "ea_get -f " + out + " \"" + path + "\" " + x.getKey());
      assertArrayEquals(x.getValue(), Files.readAllBytes(out), path + " " + x.getKey());
    }
    if (e.xattrs().isEmpty()) {
      assertFalse(st.contains("Extended attributes:"), where);
    }
  }

  static InputStream dumpStream(Path tmp, Path img, String path) throws Exception {
    Path out = tmp.resolve("dump" + System.nanoTime());
    debugfs(img, "dump " + path + " " + out);
    return Files.newInputStream(out);
  }

  /** Extents in debugfs "ex" output: the lines at the tree's deepest level. */
  static long leafExtents(String ex) {
    return ex.lines().filter(l -> l.matches("^\\s*(\\d+)/\\s*\\1\\s.*")).count();
  }

  static String dumpe2fsHeader(Path img) throws Exception {
    return E2fsprogs.run("dumpe2fs", "-h", img.toString()).out();
  }

  static long num(String text, String regex) {
    return Long.parseLong(field(text, regex));
  }
}
