package io.oci2vm.internal.disk.ext4;

import io.oci2vm.internal.disk.BlockDevice;
import java.io.IOException;
import java.util.Arrays;

/**
 * Collects inodes, given in increasing number order, into inode-table blocks and writes each block
 * once. Table blocks holding no inode are never written and stay holes.
 */
final class InodeTable {
  private final BlockDevice device;
  private final Layout layout;
  private final byte[] block = new byte[Layout.BLOCK];
  private long blockNr = -1;

  InodeTable(BlockDevice device, Layout layout) {
    this.device = device;
    this.layout = layout;
  }

  void put(long ino, byte[] inode) throws IOException {
    long index = ino - 1;
    int group = (int) (index / layout.inodesPerGroup);
    int inGroup = (int) (index % layout.inodesPerGroup);
    long nr = layout.inodeTable(group) + inGroup / Layout.INODES_PER_BLOCK;
    if (nr != blockNr) {
      flush();
      blockNr = nr;
    }
    System.arraycopy(
        inode, 0, block, (inGroup % Layout.INODES_PER_BLOCK) * Layout.INODE_SIZE, inode.length);
  }

  void flush() throws IOException {
    if (blockNr >= 0) {
      device.write(blockNr * Layout.BLOCK, block.clone());
      Arrays.fill(block, (byte) 0);
      blockNr = -1;
    }
  }
}
