package io.oci2vm.internal.disk.ext4;

import io.oci2vm.ErrorCode;
import io.oci2vm.Oci2vmException;
import io.oci2vm.internal.disk.BlockDevice;
import io.oci2vm.internal.disk.FsEntry;
import java.io.IOException;
import java.util.Objects;

/**
 * Writes a tree as an ext4 filesystem: 4 KiB blocks, 256-byte inodes, extents, no journal, sparse
 * superblock backups. Every file's content is read once, in order; all-zero blocks become holes and
 * only non-zero blocks are written to the device. The output depends only on the tree and the
 * options.
 */
public final class Ext4Writer {
  private static final int MIB = 1024 * 1024;

  private Ext4Writer() {}

  /** Smallest filesystem size in bytes (a multiple of 4096) that holds this tree. */
  public static long minimumSize(FsEntry root, Ext4Options o) {
    Objects.requireNonNull(root, "root was not specified");
    Objects.requireNonNull(o, "options were not specified");
    return minimumBlocks(TreePlan.of(root, o.timestamp()), o) * Layout.BLOCK;
  }

  /**
   * Writes the tree as an ext4 filesystem filling the device (its size rounded down to 4096 bytes;
   * a last block group too small for its own metadata is left off, as mke2fs does). Checks that the
   * tree fits before writing anything, assuming every file block holds data.
   *
   * @throws Oci2vmException with {@link ErrorCode#DISK_TOO_SMALL} if the tree does not fit
   */
  public static Ext4Stats write(FsEntry root, BlockDevice device, Ext4Options o)
      throws IOException {
    Objects.requireNonNull(root, "root was not specified");
    Objects.requireNonNull(device, "device was not specified");
    Objects.requireNonNull(o, "options were not specified");
    TreePlan plan = TreePlan.of(root, o.timestamp());
    Layout layout = fit(device.size() / Layout.BLOCK, plan, o);
    if (layout == null) {
      long min = minimumBlocks(plan, o) * Layout.BLOCK;
      throw new Oci2vmException(
          ErrorCode.DISK_TOO_SMALL,
          "the root filesystem needs at least "
              + Layout.ceilDiv(min, MIB)
              + " MiB ("
              + min
              + " bytes) but the disk has "
              + device.size() / MIB
              + " MiB; give a larger disk size or leave out the size to have it computed");
    }
    BlockAllocator alloc = new BlockAllocator(layout);
    InodeTable table = new InodeTable(device, layout);
    InodeWriter inodes = new InodeWriter(device, alloc);
    long[] dirs = new long[layout.groups];
    for (TreePlan.Node n : plan.nodes()) {
      table.put(n.ino, inodes.write(n));
      if (n.entry.isDirectory()) {
        dirs[(int) ((n.ino - 1) / layout.inodesPerGroup)]++;
      }
    }
    table.flush();
    GroupMetadata groups = new GroupMetadata(layout, alloc, dirs, plan.lastIno());
    groups.write(device, o);
    return new Ext4Stats(
        layout.blocks,
        layout.blocks - groups.freeBlocks(),
        layout.inodes(),
        plan.lastIno(),
        inodes.dataBytes());
  }

  /** The layout for {@code deviceBlocks} if the tree fits there in the worst case, else null. */
  private static Layout fit(long deviceBlocks, TreePlan plan, Ext4Options o) {
    Layout l = Layout.of(deviceBlocks, inodesNeeded(plan, o));
    return l != null && l.dataBlocks() >= plan.reserveBlocks() ? l : null;
  }

  private static long inodesNeeded(TreePlan plan, Ext4Options o) {
    return plan.lastIno() + o.extraInodes();
  }

  /**
   * Searches upward from the data size. Capacity grows by at most one block per block except where
   * a last group becomes big enough to keep, so jumping by the shortfall never skips a fit by more
   * than that group's margin, which the final walk back recovers.
   */
  static long minimumBlocks(TreePlan plan, Ext4Options o) {
    long need = plan.reserveBlocks();
    long inodes = inodesNeeded(plan, o);
    long b = need + 3;
    while (true) {
      if (b > Layout.MAX_BLOCKS) {
        throw new Oci2vmException(
            ErrorCode.LIMIT_EXCEEDED, "the tree needs an ext4 filesystem over 16 TiB");
      }
      Layout l = Layout.of(b, inodes);
      if (l == null) {
        b += Math.max(1, b / 64);
      } else if (l.dataBlocks() < need) {
        b += need - l.dataBlocks();
      } else {
        break;
      }
    }
    while (b > 1 && fit(b - 1, plan, o) != null) {
      b--;
    }
    return b;
  }
}
