package io.oci2vm.internal.disk.ext4;

import static io.oci2vm.internal.disk.ext4.E2fsprogs.debugfs;
import static io.oci2vm.internal.disk.ext4.E2fsprogs.dump;
import static io.oci2vm.internal.disk.ext4.E2fsprogs.field;
import static io.oci2vm.internal.disk.ext4.E2fsprogs.fsck;
import static io.oci2vm.internal.disk.ext4.Ext4Trees.*;
import static io.oci2vm.internal.disk.ext4.TreeCheck.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.oci2vm.ErrorCode;
import io.oci2vm.Oci2vmException;
import io.oci2vm.internal.disk.FsEntry;
import io.oci2vm.internal.disk.RawDisk;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Writes trees of every shape and reads them back with debugfs; e2fsck must find nothing. */
class Ext4WriterTest {
  @TempDir Path tmp;

  @Test
  void write_everyType_matchesTreeInDebugfs() throws Exception {
    FsEntry root = everyType();
    Path img = write(tmp, root, 64L << 20);
    fsck(img);
    verifyTree(img, root, tmp);
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
    Path img = write(tmp, root, 200L << 20);
    fsck(img);
    String ls = debugfs(img, "ls -p /big");
    assertEquals(3003, ls.lines().filter(l -> l.startsWith("/")).count());
    verify(img, tmp, "/big/" + "l".repeat(255), big.child("l".repeat(255)), 1);
    verify(img, tmp, "/big/2990-" + "n".repeat(240), big.child("2990-" + "n".repeat(240)), 1);
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
    assertEquals(content.sha256(), PatternContent.sha256(dumpStream(tmp, img, "/sparse")));
  }

  @Test
  void write_fragmentedFiles_buildExtentTreesOneAndTwoDeep() throws Exception {
    FsEntry root = dir("/");
    PatternContent thousand = new PatternContent(2000 * 4096L, b -> b % 2 == 1);
    PatternContent fourThousand = new PatternContent(8000 * 4096L - 5, b -> b % 2 == 1);
    root.add(FsEntry.file("f1000", 0644, 0, 0, T, thousand.size(), thousand, null));
    root.add(FsEntry.file("f4000", 0644, 0, 0, T, fourThousand.size(), fourThousand, null));
    Path img = write(tmp, root, 96L << 20);
    fsck(img);
    assertTrue(debugfs(img, "ex /f1000").contains(" 1/ 1 "), "depth 1");
    String ex = debugfs(img, "ex /f4000");
    assertTrue(ex.contains(" 2/ 2 "), "depth 2");
    assertEquals(4000, leafExtents(ex));
    assertEquals(thousand.sha256(), PatternContent.sha256(dumpStream(tmp, img, "/f1000")));
    assertEquals(fourThousand.sha256(), PatternContent.sha256(dumpStream(tmp, img, "/f4000")));
  }

  @Test
  void write_fileLargerThanBlockGroup_splitsAtGroupMetadata() throws Exception {
    long size = (130L << 20) + 4095;
    PatternContent content = new PatternContent(size, b -> b % 9000 == 17);
    FsEntry root = dir("/");
    root.add(file("small", bytes("before")));
    root.add(FsEntry.file("big", 0644, 0, 0, T, size, content, null));
    root.add(file("after", bytes("after")));
    Path img = write(tmp, root, 300L << 20);
    fsck(img);
    String ex = debugfs(img, "ex /big");
    // Four holes make five runs, and group 1's metadata splits the last one.
    assertEquals(6, leafExtents(ex), ex);
    assertEquals(content.sha256(), PatternContent.sha256(dumpStream(tmp, img, "/big")));
    assertArrayEquals(bytes("after"), dump(img, "/after", tmp));
  }

  @Test
  void write_lostFoundAndPosixAclInTree_keptAsGiven() throws Exception {
    FsEntry root = dir("/");
    FsEntry lf = root.add(FsEntry.directory("lost+found", 0700, 0, 0, T));
    lf.add(file("found", bytes("found")));
    // user::rw-, user:1000:r--, group::r--, mask::r--, other::---. ext4 stores no id for the
    // entries without one and debugfs reads them back as 0 (the kernel says -1), so use 0 here.
    java.nio.ByteBuffer acl =
        java.nio.ByteBuffer.allocate(4 + 5 * 8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    acl.putInt(2);
    acl.putShort((short) 0x01).putShort((short) 6).putInt(0);
    acl.putShort((short) 0x02).putShort((short) 4).putInt(1000);
    acl.putShort((short) 0x04).putShort((short) 4).putInt(0);
    acl.putShort((short) 0x10).putShort((short) 4).putInt(0);
    acl.putShort((short) 0x20).putShort((short) 0).putInt(0);
    root.add(file("acl", bytes("acl")).withXattrs(Map.of("system.posix_acl_access", acl.array())));
    Path img = write(tmp, root, 16L << 20);
    fsck(img);
    assertEquals("11", field(debugfs(img, "stat /lost+found"), "Inode: (\\d+)"));
    verifyTree(img, root, tmp);
  }

  @Test
  void write_nameLongerThan255Bytes_isLimitExceeded() throws Exception {
    FsEntry root = dir("/");
    root.add(file("n".repeat(256), new byte[0]));
    Path img = tmp.resolve("long.img");
    try (RawDisk disk = RawDisk.create(img, 16L << 20)) {
      Oci2vmException e =
          assertThrows(Oci2vmException.class, () -> Ext4Writer.write(root, disk, OPTS));
      assertEquals(ErrorCode.LIMIT_EXCEEDED, e.code());
      assertTrue(disk.writtenChunks().isEmpty());
    }
  }
}
