package io.oci2vm.internal.disk.ext4;

/**
 * The geometry of one filesystem: its size, its groups and where each group's metadata sits. Groups
 * are laid out without flex_bg, so a group starts with its superblock and descriptor-table backup
 * (if sparse_super gives it one), then its block bitmap, inode bitmap and inode table; the rest of
 * the group is data.
 */
final class Layout {
  static final int BLOCK = 4096;
  static final int BLOCKS_PER_GROUP = BLOCK * 8;
  static final int INODE_SIZE = 256;
  static final int INODES_PER_BLOCK = BLOCK / INODE_SIZE;
  static final int DESC_SIZE = 32;

  /** Without the 64bit feature block numbers are 32 bits; stay on whole groups below that. */
  static final long MAX_BLOCKS = (1L << 32) - BLOCKS_PER_GROUP;

  /** mke2fs drops a last group this much smaller than its own metadata, and so do we. */
  private static final int MIN_TAIL_DATA = 50;

  /** mke2fs's default bytes-per-inode ratio. */
  private static final int BYTES_PER_INODE = 16384;

  final long blocks;
  final int groups;
  final int inodesPerGroup;
  final int gdtBlocks;
  final int itableBlocks;

  private Layout(long blocks, int groups, int inodesPerGroup) {
    this.blocks = blocks;
    this.groups = groups;
    this.inodesPerGroup = inodesPerGroup;
    this.gdtBlocks = (int) ceilDiv((long) groups * DESC_SIZE, BLOCK);
    this.itableBlocks = inodesPerGroup / INODES_PER_BLOCK;
  }

  /**
   * The layout for a device of {@code deviceBlocks} blocks holding at least {@code inodesNeeded}
   * inodes, or null if no filesystem with that many inodes fits.
   */
  static Layout of(long deviceBlocks, long inodesNeeded) {
    long blocks = Math.min(deviceBlocks, MAX_BLOCKS);
    while (blocks > 0) {
      int groups = (int) ceilDiv(blocks, BLOCKS_PER_GROUP);
      long inodes = Math.max(inodesNeeded, blocks * BLOCK / BYTES_PER_INODE);
      // Inode tables fill whole blocks, and a group's inode bitmap is one block.
      long ipg = roundUp(ceilDiv(inodes, groups), INODES_PER_BLOCK);
      if (ipg > BLOCKS_PER_GROUP) {
        return null;
      }
      Layout l = new Layout(blocks, groups, (int) ipg);
      int last = groups - 1;
      if (l.groupBlocks(last) >= l.overhead(last) + (groups > 1 ? MIN_TAIL_DATA : 1)) {
        return l;
      }
      if (groups == 1) {
        return null;
      }
      blocks = (long) last * BLOCKS_PER_GROUP;
    }
    return null;
  }

  long inodes() {
    return (long) inodesPerGroup * groups;
  }

  long groupStart(int g) {
    return (long) g * BLOCKS_PER_GROUP;
  }

  int groupBlocks(int g) {
    return (int) Math.min(BLOCKS_PER_GROUP, blocks - groupStart(g));
  }

  /** Whether group {@code g} holds a superblock and descriptor table (sparse_super rule). */
  static boolean hasSuper(int g) {
    return g <= 1 || isPowerOf(g, 3) || isPowerOf(g, 5) || isPowerOf(g, 7);
  }

  private static boolean isPowerOf(int g, int base) {
    long p = base;
    while (p < g) {
      p *= base;
    }
    return p == g;
  }

  /** Blocks at the start of group {@code g} taken by metadata. */
  int overhead(int g) {
    return superBlocks(g) + 2 + itableBlocks;
  }

  private int superBlocks(int g) {
    return hasSuper(g) ? 1 + gdtBlocks : 0;
  }

  long blockBitmap(int g) {
    return groupStart(g) + superBlocks(g);
  }

  long inodeBitmap(int g) {
    return blockBitmap(g) + 1;
  }

  long inodeTable(int g) {
    return blockBitmap(g) + 2;
  }

  long dataStart(int g) {
    return groupStart(g) + overhead(g);
  }

  long groupEnd(int g) {
    return groupStart(g) + groupBlocks(g);
  }

  /** Blocks left for directories, file data, extent trees and xattr blocks. */
  long dataBlocks() {
    long data = 0;
    for (int g = 0; g < groups; g++) {
      data += groupBlocks(g) - overhead(g);
    }
    return data;
  }

  static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }

  static long roundUp(long a, long b) {
    return ceilDiv(a, b) * b;
  }
}
