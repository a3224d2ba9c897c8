package io.oci2vm.internal.disk.ext4;

import io.oci2vm.internal.disk.BlockDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One inode's block map as an ext4 extent tree. Blocks are added in logical order; consecutive ones
 * that are also physically consecutive merge into one extent. {@link #finish} writes index and leaf
 * blocks when the extents do not fit the four slots in the inode.
 */
final class ExtentTree {
  private static final short MAGIC = (short) 0xF30A;
  private static final int ENTRY = 12;
  private static final int ROOT_SLOTS = 4;
  private static final int BLOCK_SLOTS = (Layout.BLOCK - ENTRY) / ENTRY;

  /** The longest initialized extent. */
  static final int MAX_LEN = 32768;

  // Parallel arrays rather than objects: a fragmented file can have millions of extents.
  private long[] logical = new long[4];
  private long[] physical = new long[4];
  private int[] length = new int[4];
  private int count;
  private long mapped;
  private long treeBlocks;

  /** Maps logical block {@code lblk} to physical block {@code pblk}; lblk only ever grows. */
  void add(long lblk, long pblk) {
    mapped++;
    if (count > 0) {
      int i = count - 1;
      if (length[i] < MAX_LEN
          && logical[i] + length[i] == lblk
          && physical[i] + length[i] == pblk) {
        length[i]++;
        return;
      }
    }
    if (count == logical.length) {
      logical = Arrays.copyOf(logical, count * 2);
      physical = Arrays.copyOf(physical, count * 2);
      length = Arrays.copyOf(length, count * 2);
    }
    logical[count] = lblk;
    physical[count] = pblk;
    length[count] = 1;
    count++;
  }

  int extents() {
    return count;
  }

  /** Data blocks mapped. */
  long mappedBlocks() {
    return mapped;
  }

  /** Index and leaf blocks written by {@link #finish}. */
  long treeBlocks() {
    return treeBlocks;
  }

  /**
   * Writes the tree's blocks (allocated after the data) and returns the 60-byte root for the
   * inode's i_block.
   */
  byte[] finish(BlockAllocator alloc, BlockDevice device) throws IOException {
    // Each level is a list of (first logical block, physical block) of its nodes.
    long[] firstLblk = Arrays.copyOf(logical, count);
    long[] nodes = null;
    int entries = count;
    int depth = 0;
    while (entries > ROOT_SLOTS) {
      int blocks = (int) Layout.ceilDiv(entries, BLOCK_SLOTS);
      long[] nextFirst = new long[blocks];
      long[] nextNodes = new long[blocks];
      for (int b = 0; b < blocks; b++) {
        int from = b * BLOCK_SLOTS;
        int n = Math.min(BLOCK_SLOTS, entries - from);
        ByteBuffer block = le(Layout.BLOCK);
        header(block, n, BLOCK_SLOTS, depth);
        for (int i = from; i < from + n; i++) {
          entry(block, depth, i, firstLblk, nodes);
        }
        nextNodes[b] = alloc.allocate();
        nextFirst[b] = firstLblk[from];
        device.write(nextNodes[b] * Layout.BLOCK, block.flip());
        treeBlocks++;
      }
      firstLblk = nextFirst;
      nodes = nextNodes;
      entries = blocks;
      depth++;
    }
    ByteBuffer root = le(60);
    header(root, entries, ROOT_SLOTS, depth);
    for (int i = 0; i < entries; i++) {
      entry(root, depth, i, firstLblk, nodes);
    }
    return root.array();
  }

  private void entry(ByteBuffer b, int depth, int i, long[] firstLblk, long[] nodes) {
    if (depth == 0) {
      b.putInt((int) logical[i]);
      b.putShort((short) length[i]);
      b.putShort((short) (physical[i] >>> 32));
      b.putInt((int) physical[i]);
    } else {
      b.putInt((int) firstLblk[i]);
      b.putInt((int) nodes[i]);
      b.putShort((short) (nodes[i] >>> 32));
      b.putShort((short) 0);
    }
  }

  private static void header(ByteBuffer b, int entries, int max, int depth) {
    b.putShort(MAGIC);
    b.putShort((short) entries);
    b.putShort((short) max);
    b.putShort((short) depth);
    b.putInt(0); // generation
  }

  private static ByteBuffer le(int size) {
    return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
  }

  /**
   * The most index and leaf blocks a map of {@code dataBlocks} fully allocated blocks can need.
   * Allocation is sequential, so extents only break at the 32768-block extent limit and at group
   * metadata, and a full group has far more than 16384 data blocks.
   */
  static long worstCaseTreeBlocks(long dataBlocks) {
    long extents = Layout.ceilDiv(dataBlocks, MAX_LEN) + Layout.ceilDiv(dataBlocks, 16384) + 2;
    return treeBlocksFor(extents);
  }

  /** Index and leaf blocks for {@code extents} extents. */
  static long treeBlocksFor(long extents) {
    long total = 0;
    long n = extents;
    while (n > ROOT_SLOTS) {
      n = Layout.ceilDiv(n, BLOCK_SLOTS);
      total += n;
    }
    return total;
  }
}
