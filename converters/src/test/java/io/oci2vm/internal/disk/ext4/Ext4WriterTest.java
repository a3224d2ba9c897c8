package io.oci2vm.internal.disk.ext4;

import static io.oci2vm.internal.disk.ext4.E2fsprogs.debugfs;
import static io.oci2vm.internal.disk.ext4.E2fsprogs.dump;
import static io.oci2vm.internal.disk.ext4.E2fsprogs.field;
import static io.oci2vm.internal.disk.ext4.E2fsprogs.fsck;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.oci2vm.ErrorCode;
import io.oci2vm.Oci2vmException;
import io.oci2vm.internal.disk.FsEntry;
import io.oci2vm.internal.disk.RawDisk;
import io.oci2vm.internal.flatten.FileType;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Ext4WriterTest {
  private static final long T = 1_700_000_000L;
  private static final Ext4Options OPTS =
      new Ext4Options(UUID.fromString("6b1e4a52-8f0e-4d59-9a3c-1f2e3d4c5b6a"), "root", T, 100);

  @TempDir Path tmp;

  @Test
  void write_everyType_matchesTreeInDebugfs() throws Exception {
    FsEntry root = everyType();
    Path img = write(root, 64L << 20);
    fsck(img);
    verifyTree(img, root);
  }

  @Test
  void write_bigDirectoryAndManyInodes_spansGroups() throws Exception {
    FsEntry root = dir("/");
    FsEntry big = root.add(dir("big"));
    for (int i = 0; i < 3000; i++) {
      String name = i + "-" + "n".repeat(i % 250);
      big.add(file(name, i % 10 == 0 ? bytes(name) : new byte[0]));
    }
    big.add(file("l".repeat(255), bytes("longest")));
    FsEntry many = root.add(dir("many"));
    for (int i = 0; i < 6000; i++) {
      many.add(i % 2 == 0 ? dir("d" + i) : file("f" + i, new byte[0]));
    }
    Path img = write(root, 200L << 20);
    fsck(img);
    String ls = debugfs(img, "ls -p /big");
    assertEquals(3003, ls.lines().filter(l -> l.startsWith("/")).count());
    verify(img, "/big/" + "l".repeat(255), big.child("l".repeat(255)), 1);
    verify(img, "/big/2990-" + "n".repeat(240), big.child("2990-" + "n".repeat(240)), 1);
    // The last entries' inodes lie past the first group's inode table.
    String st = debugfs(img, "stat /many/f5999");
    long ino = Long.parseLong(field(st, "Inode: (\\d+)"));
    long perGroup = Long.parseLong(field(dumpe2fsHeader(img), "Inodes per group:\\s+(\\d+)"));
    assertTrue(ino > perGroup, "inode " + ino + " is in group 0 (" + perGroup + " per group)");
    assertEquals(2 + 3000, Long.parseLong(field(debugfs(img, "stat /many"), "Links: (\\d+)")));
  }

  @Test
  void write_sparseFile_allocatesOnlyNonZeroBlocks() throws Exception {
    long size = (64L << 20) + 100;
    long last = size / 4096;
    PatternContent content = new PatternContent(size, b -> b != 0 && b != 5000 && b != last);
    FsEntry root = dir("/");
    root.add(FsEntry.file("sparse", 0644, 0, 0, T, size, content, null));
    Path img;
    Ext4Stats stats;
    img = tmp.resolve("sparse.img");
    try (RawDisk disk = RawDisk.create(img, 32L << 20)) {
      stats = Ext4Writer.write(root, disk, OPTS);
    } catch (Oci2vmException e) {
      // The fit check assumes every block holds data; a 64 MiB file needs a bigger disk.
      assertEquals(ErrorCode.DISK_TOO_SMALL, e.code());
      try (RawDisk disk = RawDisk.create(img, 80L << 20)) {
        stats = Ext4Writer.write(root, disk, OPTS);
      }
    }
    fsck(img);
    assertEquals(2 * 4096 + 100, stats.dataBytes());
    String st = debugfs(img, "stat /sparse");
    assertEquals(String.valueOf(size), field(st, "Size: (\\d+)"));
    assertEquals("24", field(st, "Blockcount: (\\d+)"));
    assertEquals(content.sha256(), PatternContent.sha256(dumpStream(img, "/sparse")));
  }

  @Test
  void write_fragmentedFiles_buildExtentTreesOneAndTwoDeep() throws Exception {
    FsEntry root = dir("/");
    PatternContent thousand = new PatternContent(2000 * 4096L, b -> b % 2 == 1);
    PatternContent fourThousand = new PatternContent(8000 * 4096L - 5, b -> b % 2 == 1);
    root.add(FsEntry.file("f1000", 0644, 0, 0, T, thousand.size(), thousand, null));
    root.add(FsEntry.file("f4000", 0644, 0, 0, T, fourThousand.size(), fourThousand, null));
    Path img = write(root, 96L << 20);
    fsck(img);
    assertTrue(debugfs(img, "ex /f1000").contains(" 1/ 1 "), "depth 1");
    String ex = debugfs(img, "ex /f4000");
    assertTrue(ex.contains(" 2/ 2 "), "depth 2");
    assertEquals(4000, leafExtents(ex));
    assertEquals(thousand.sha256(), PatternContent.sha256(dumpStream(img, "/f1000")));
    assertEquals(fourThousand.sha256(), PatternContent.sha256(dumpStream(img, "/f4000")));
  }

  @Test
  void write_fileLargerThanBlockGroup_splitsAtGroupMetadata() throws Exception {
    long size = (130L << 20) + 4095;
    PatternContent content = new PatternContent(size, b -> b % 9000 == 17);
    FsEntry root = dir("/");
    root.add(file("small", bytes("before")));
    root.add(FsEntry.file("big", 0644, 0, 0, T, size, content, null));
    root.add(file("after", bytes("after")));
    Path img = write(root, 300L << 20);
    fsck(img);
    String ex = debugfs(img, "ex /big");
    // Four holes make five runs, and group 1's metadata splits the last one.
    assertEquals(6, leafExtents(ex), ex);
    assertEquals(content.sha256(), PatternContent.sha256(dumpStream(img, "/big")));
    assertArrayEquals(bytes("after"), dump(img, "/after", tmp));
  }

  @Test
  void minimumSize_writtenAtExactly_fitsAndOneBlockLessDoesNot() throws Exception {
    FsEntry root = everyType();
    PatternContent c = new PatternContent(40L << 20, b -> false);
    root.add(FsEntry.file("data", 0644, 0, 0, T, c.size(), c, null));
    long min = Ext4Writer.minimumSize(root, OPTS);
    assertEquals(0, min % 4096);
    Path img = write(root, min);
    fsck(img);
    verifyTree(img, root);
    for (long less : new long[] {4096, 16 * 4096}) {
      Path small = tmp.resolve("small" + less + ".img");
      try (RawDisk disk = RawDisk.create(small, min - less)) {
        Oci2vmException e =
            assertThrows(Oci2vmException.class, () -> Ext4Writer.write(root, disk, OPTS));
        assertEquals(ErrorCode.DISK_TOO_SMALL, e.code());
        assertTrue(
            e.getMessage().contains("needs at least " + (min + (1 << 20) - 1 >> 20) + " MiB"),
            e.getMessage());
        assertTrue(disk.writtenChunks().isEmpty(), "wrote before failing");
      }
    }
  }

  @Test
  void write_sameInputTwice_sameBytes() throws Exception {
    Path a = write(everyType(), 48L << 20);
    Path b = write(everyType(), 48L << 20);
    assertEquals(-1, Files.mismatch(a, b));
  }

  @Test
  void write_freeCounts_matchDumpe2fsAndFsck() throws Exception {
    FsEntry root = everyType();
    Path img = tmp.resolve("counts.img");
    Ext4Stats stats;
    try (RawDisk disk = RawDisk.create(img, (300L << 20) + 12345 * 512)) {
      stats = Ext4Writer.write(root, disk, OPTS);
    }
    E2fsprogs.Result r = E2fsprogs.run("e2fsck", "-fn", img.toString());
    assertEquals(0, r.exit(), r.out());
    String summary = field(r.out(), "(\\d+/\\d+ files .*, \\d+/\\d+ blocks)");
    assertEquals(stats.usedInodes() + "/" + stats.inodes(), field(summary, "^(\\d+/\\d+) files"));
    assertTrue(summary.endsWith(stats.usedBlocks() + "/" + stats.blocks() + " blocks"), summary);
    String h = dumpe2fsHeader(img);
    assertEquals(stats.blocks() - stats.usedBlocks(), num(h, "Free blocks:\\s+(\\d+)"));
    assertEquals(stats.inodes() - stats.usedInodes(), num(h, "Free inodes:\\s+(\\d+)"));
    assertEquals(stats.blocks(), num(h, "Block count:\\s+(\\d+)"));
    assertEquals(0, num(h, "Reserved block count:\\s+(\\d+)"));
    String groups = E2fsprogs.run("dumpe2fs", img.toString()).out();
    long free = 0;
    long freeInodes = 0;
    for (String line : groups.lines().toList()) {
      var m =
          java.util.regex.Pattern.compile("^\\s+(\\d+) free blocks, (\\d+) free inodes")
              .matcher(line);
      if (m.find()) {
        free += Long.parseLong(m.group(1));
        freeInodes += Long.parseLong(m.group(2));
      }
    }
    assertEquals(stats.blocks() - stats.usedBlocks(), free);
    assertEquals(stats.inodes() - stats.usedInodes(), freeInodes);
    assertTrue(field(h, "Filesystem features:\\s+(.*)").contains("extent"));
    assertFalse(field(h, "Filesystem features:\\s+(.*)").contains("has_journal"));
  }

  // ---- trees

  private static FsEntry everyType() {
    FsEntry root = dir("/");
    FsEntry etc = root.add(dir("etc"));
    etc.add(file("hello", bytes("hello\n")));
    etc.add(file("empty", new byte[0]));
    byte[] multi = PatternContentBytes.of(3 * 4096 + 17);
    etc.add(
        FsEntry.file(
            "setuid",
            04755,
            100_000,
            200_000,
            -1_000_000L,
            multi.length,
            FsEntry.Content.of(multi),
            null));
    etc.add(FsEntry.file("setgid", 02711, 0, 0, 0, 0, FsEntry.Content.of(new byte[0]), null));
    FsEntry tmpDir = root.add(FsEntry.directory("tmp", 01777, 0, 0, 5_000_000_000L));
    tmpDir.add(dir("emptydir"));
    Object shared = new Object();
    byte[] linked = bytes("linked");
    root.add(
        FsEntry.file(
            "a",
            0600,
            4_000_000_000L,
            4_294_967_295L,
            T,
            linked.length,
            FsEntry.Content.of(linked),
            shared));
    etc.add(
        FsEntry.file(
            "b",
            0600,
            4_000_000_000L,
            4_294_967_295L,
            T,
            linked.length,
            FsEntry.Content.of(linked),
            shared));
    tmpDir.add(
        FsEntry.file(
            "c",
            0600,
            4_000_000_000L,
            4_294_967_295L,
            T,
            linked.length,
            FsEntry.Content.of(linked),
            shared));
    root.add(FsEntry.symlink("fast", "etc/hello", 0, 0, T));
    root.add(FsEntry.symlink("fast59", "y".repeat(59), 0, 0, T));
    root.add(FsEntry.symlink("slow60", "z".repeat(60), 0, 0, T));
    root.add(FsEntry.symlink("slow", "x/".repeat(100), 5, 5, T));
    FsEntry dev = root.add(dir("dev"));
    dev.add(FsEntry.special("null", FileType.CHAR_DEVICE, 0666, 0, 0, T, 1, 3));
    dev.add(FsEntry.special("big", FileType.BLOCK_DEVICE, 0660, 0, 6, T, 259, 70000));
    dev.add(FsEntry.special("fifo", FileType.FIFO, 0644, 0, 0, T, 0, 0));
    Map<String, byte[]> small = new TreeMap<>();
    small.put("user.foo", bytes("bar"));
    small.put("security.capability", PatternContentBytes.of(20));
    etc.add(file("caps", bytes("caps")).withXattrs(small));
    Map<String, byte[]> large = new TreeMap<>();
    large.put("user.big", PatternContentBytes.of(1000));
    large.put("trusted.x", bytes("y"));
    large.put("user.empty", new byte[0]);
    etc.add(dir("xdir").withXattrs(large));
    root.add(FsEntry.directory("future", 0755, 0, 0, 10_000_000_000L));
    return root;
  }

  // ---- checks

  /** Compares every entry under {@code root} with what debugfs reads from the image. */
  private void verifyTree(Path img, FsEntry root) throws Exception {
    Map<Object, Integer> names = new IdentityHashMap<>();
    countNames(root, names);
    walk(img, "", root, names);
  }

  private void walk(Path img, String path, FsEntry e, Map<Object, Integer> names) throws Exception {
    verify(img, path.isEmpty() ? "/" : path, e, names.get(e.inode()));
    for (FsEntry c : e.children()) {
      walk(img, path + "/" + c.name(), c, names);
    }
  }

  private static void countNames(FsEntry e, Map<Object, Integer> names) {
    names.merge(e.inode(), 1, Integer::sum);
    e.children().forEach(c -> countNames(c, names));
  }

  private void verify(Path img, String path, FsEntry e, int names) throws Exception {
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
                + (path.equals("/") ? 1 : 0)
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

  // ---- helpers

  private Path write(FsEntry root, long size) throws Exception {
    Path img = tmp.resolve("fs" + System.nanoTime() + ".img");
    try (RawDisk disk = RawDisk.create(img, size)) {
      Ext4Writer.write(root, disk, OPTS);
    }
    return img;
  }

  private java.io.InputStream dumpStream(Path img, String path) throws Exception {
    Path out = tmp.resolve("dump" + System.nanoTime());
    debugfs(img, "dump " + path + " " + out);
    return Files.newInputStream(out);
  }

  /** Extents in debugfs "ex" output: the lines at the tree's deepest level. */
  private static long leafExtents(String ex) {
    return ex.lines().filter(l -> l.matches("^\\s*(\\d+)/\\s*\\1\\s.*")).count();
  }

  private static String dumpe2fsHeader(Path img) throws Exception {
    return E2fsprogs.run("dumpe2fs", "-h", img.toString()).out();
  }

  private static long num(String text, String regex) {
    return Long.parseLong(field(text, regex));
  }

  private static FsEntry dir(String name) {
    return FsEntry.directory(name, 0755, 0, 0, T);
  }

  private static FsEntry file(String name, byte[] content) {
    return FsEntry.file(name, 0644, 0, 0, T, content.length, FsEntry.Content.of(content), null);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Small non-zero byte patterns. */
  private static final class PatternContentBytes {
    static byte[] of(int n) {
      byte[] b = new byte[n];
      for (int i = 0; i < n; i++) {
        b[i] = (byte) ((i * 31 + 7) | 1);
      }
      return b;
    }
  }
}
