package io.oci2vm.internal.disk.ext4;

import io.oci2vm.internal.disk.BlockDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Writes every group's bitmaps, the group descriptor table and all superblock copies once the data
 * is in place. Used blocks and inodes are prefixes of each group (metadata, then data allocated in
 * order; inodes numbered from 1), so the bitmaps are runs of ones. Bits past the group's last block
 * or last inode are set too, as the kernel and e2fsck expect.
 */
final class GroupMetadata {
  private final Layout layout;
  private final long[] freeBlocks;
  private final long[] freeInodes;
  private final long[] usedBlocks;
  private final long[] usedInodes;
  private final long[] dirs;

  /**
   * @param dirsPerGroup directories by group of their inode
   * @param lastIno the highest inode number in use
   */
  GroupMetadata(Layout layout, BlockAllocator alloc, long[] dirsPerGroup, long lastIno) {
    this.layout = layout;
    int n = layout.groups;
    freeBlocks = new long[n];
    freeInodes = new long[n];
    usedBlocks = new long[n];
    usedInodes = new long[n];
    dirs = dirsPerGroup;
    for (int g = 0; g < n; g++) {
      usedBlocks[g] = layout.overhead(g) + alloc.usedData(g);
      freeBlocks[g] = layout.groupBlocks(g) - usedBlocks[g];
      long first = (long) g * layout.inodesPerGroup;
      usedInodes[g] = Math.max(0, Math.min(layout.inodesPerGroup, lastIno - first));
      freeInodes[g] = layout.inodesPerGroup - usedInodes[g];
    }
  }

  long freeBlocks() {
    long sum = 0;
    for (long f : freeBlocks) {
      sum += f;
    }
    return sum;
  }

  long freeInodes() {
    long sum = 0;
    for (long f : freeInodes) {
      sum += f;
    }
    return sum;
  }

  /** Writes bitmaps, then descriptor tables and superblocks in every group that has them. */
  void write(BlockDevice device, Ext4Options o) throws IOException {
    for (int g = 0; g < layout.groups; g++) {
      device.write(
          layout.blockBitmap(g) * Layout.BLOCK, bitmap(usedBlocks[g], layout.groupBlocks(g)));
      device.write(
          layout.inodeBitmap(g) * Layout.BLOCK, bitmap(usedInodes[g], layout.inodesPerGroup));
    }
    byte[] gdt = descriptors();
    for (int g = 0; g < layout.groups; g++) {
      if (!Layout.hasSuper(g)) {
        continue;
      }
      byte[] sb = Superblock.encode(layout, o, freeBlocks(), freeInodes(), g);
      // Group 0's superblock sits 1024 bytes in, after the boot sector area; backups start
      // their group's first block.
      long start = layout.groupStart(g) * Layout.BLOCK;
      device.write(g == 0 ? 1024 : start, sb);
      device.write(start + Layout.BLOCK, gdt);
    }
  }

  /** A bitmap block with bits [0, used) and [valid, end of block) set. */
  private static byte[] bitmap(long used, int valid) {
    byte[] b = new byte[Layout.BLOCK];
    setRange(b, 0, (int) used);
    setRange(b, valid, Layout.BLOCK * 8);
    return b;
  }

  private static void setRange(byte[] b, int from, int to) {
    int i = from;
    for (; i < to && (i & 7) != 0; i++) {
      b[i >>> 3] |= (byte) (1 << (i & 7));
    }
    for (; i + 8 <= to; i += 8) {
      b[i >>> 3] = (byte) 0xff;
    }
    for (; i < to; i++) {
      b[i >>> 3] |= (byte) (1 << (i & 7));
    }
  }

  private byte[] descriptors() {
    ByteBuffer b =
        ByteBuffer.allocate(layout.gdtBlocks * Layout.BLOCK).order(ByteOrder.LITTLE_ENDIAN);
    for (int g = 0; g < layout.groups; g++) {
      b.putInt((int) layout.blockBitmap(g));
      b.putInt((int) layout.inodeBitmap(g));
      b.putInt((int) layout.inodeTable(g));
      b.putShort((short) freeBlocks[g]);
      b.putShort((short) freeInodes[g]);
      b.putShort((short) dirs[g]);
      // Flags, exclude bitmap, bitmap checksums, itable_unused and checksum stay zero: without
      // gdt_csum every group is initialized.
      b.position(b.position() + Layout.DESC_SIZE - 18);
    }
    return b.array();
  }
}
