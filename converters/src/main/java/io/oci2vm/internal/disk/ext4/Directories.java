package io.oci2vm.internal.disk.ext4;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds linear (unindexed) directory blocks. Each block is filled with entries in order and its
 * last entry's record stretches to the block end, which is what the kernel and e2fsck expect.
 */
final class Directories {
  static final int FT_REG = 1;
  static final int FT_DIR = 2;
  static final int FT_CHR = 3;
  static final int FT_BLK = 4;
  static final int FT_FIFO = 5;
  static final int FT_SYMLINK = 7;

  /** One name in a directory. */
  record Entry(byte[] name, long ino, int type) {}

  private Directories() {}

  /** How many blocks {@link #build} makes for these entries. */
  static int blockCount(List<Entry> entries) {
    int blocks = 0;
    int used = Layout.BLOCK;
    for (Entry e : entries) {
      int rec = recordLength(e.name().length);
      if (used + rec > Layout.BLOCK) {
        blocks++;
        used = 0;
      }
      used += rec;
    }
    return blocks;
  }

  /**
   * The directory's blocks, at least {@code minBlocks} of them; extra blocks are empty (one unused
   * record spanning the block).
   */
  static List<byte[]> build(List<Entry> entries, int minBlocks) {
    List<byte[]> blocks = new ArrayList<>();
    ByteBuffer block = null;
    int last = 0;
    for (Entry e : entries) {
      int rec = recordLength(e.name().length);
      if (block == null || block.position() + rec > Layout.BLOCK) {
        stretchLast(block, last);
        block = ByteBuffer.allocate(Layout.BLOCK).order(ByteOrder.LITTLE_ENDIAN);
        blocks.add(block.array());
      }
      last = block.position();
      block.putInt((int) e.ino());
      block.putShort((short) rec);
      block.put((byte) e.name().length);
      block.put((byte) e.type());
      block.put(e.name());
      block.position(last + rec);
    }
    stretchLast(block, last);
    while (blocks.size() < minBlocks) {
      ByteBuffer empty = ByteBuffer.allocate(Layout.BLOCK).order(ByteOrder.LITTLE_ENDIAN);
      empty.putShort(4, (short) Layout.BLOCK);
      blocks.add(empty.array());
    }
    return blocks;
  }

  private static void stretchLast(ByteBuffer block, int last) {
    if (block != null) {
      block.putShort(last + 4, (short) (Layout.BLOCK - last));
    }
  }

  private static int recordLength(int nameLength) {
    return 8 + ((nameLength + 3) & ~3);
  }
}
