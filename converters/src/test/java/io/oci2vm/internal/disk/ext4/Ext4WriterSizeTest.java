package io.oci2vm.internal.disk.ext4;

import static io.oci2vm.internal.disk.ext4.E2fsprogs.field;
import static io.oci2vm.internal.disk.ext4.E2fsprogs.fsck;
import static io.oci2vm.internal.disk.ext4.Ext4Trees.*;
import static io.oci2vm.internal.disk.ext4.TreeCheck.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.oci2vm.ErrorCode;
import io.oci2vm.Oci2vmException;
import io.oci2vm.internal.disk.FsEntry;
import io.oci2vm.internal.disk.RawDisk;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sizing, free counts and reproducibility of {@link Ext4Writer}. */
class Ext4WriterSizeTest {
  @TempDir Path tmp;

  @Test
  void minimumSize_writtenAtExactly_fitsAndOneBlockLessDoesNot() throws Exception {
    FsEntry root = everyType();
    PatternContent c = new PatternContent(40L << 20, b -> false);
    root.add(FsEntry.file("data", 0644, 0, 0, T, c.size(), c, null));
    long min = Ext4Writer.minimumSize(root, OPTS);
    assertEquals(0, min % 4096);
    Path img = write(tmp, root, min);
    fsck(img);
    verifyTree(img, root, tmp);
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
    Path a = write(tmp, everyType(), 48L << 20);
    Path b = write(tmp, everyType(), 48L << 20);
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

  @Test
  void minimumSize_manyEmptyFiles_leavesRoomForInodesAndExtra() throws Exception {
    FsEntry root = dir("/");
    for (int d = 0; d < 40; d++) {
      FsEntry sub = root.add(dir("d" + d));
      for (int f = 0; f < 1000; f++) {
        sub.add(file("f" + f, new byte[0]));
      }
    }
    Ext4Options extra = new Ext4Options(OPTS.uuid(), "", T, 5000);
    long min = Ext4Writer.minimumSize(root, extra);
    Path img = tmp.resolve("inodes.img");
    Ext4Stats stats;
    try (RawDisk disk = RawDisk.create(img, min)) {
      stats = Ext4Writer.write(root, disk, extra);
    }
    fsck(img);
    assertEquals(11 + 40 + 40_000, stats.usedInodes());
    assertTrue(stats.inodes() - stats.usedInodes() >= 5000, stats.toString());
    try (RawDisk disk = RawDisk.create(tmp.resolve("less.img"), min - 4096)) {
      assertThrows(Oci2vmException.class, () -> Ext4Writer.write(root, disk, extra));
    }
  }
}
