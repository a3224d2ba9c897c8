package io.oci2vm.internal.disk.ext4;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/** Encodes the 1024-byte superblock and names the features the writer uses. */
final class Superblock {
  static final int COMPAT_EXT_ATTR = 0x8;
  static final int COMPAT_DIR_INDEX = 0x20;
  static final int INCOMPAT_FILETYPE = 0x2;
  static final int INCOMPAT_EXTENTS = 0x40;
  static final int RO_COMPAT_SPARSE_SUPER = 0x1;
  static final int RO_COMPAT_LARGE_FILE = 0x2;
  static final int RO_COMPAT_HUGE_FILE = 0x8;
  static final int RO_COMPAT_DIR_NLINK = 0x20;
  static final int RO_COMPAT_EXTRA_ISIZE = 0x40;

  private static final int MAGIC = 0xEF53;
  private static final int STATE_CLEAN = 1;
  private static final int ERRORS_CONTINUE = 1;
  private static final int DYNAMIC_REV = 1;
  private static final int HASH_HALF_MD4 = 1;
  private static final int FLAGS_SIGNED_HASH = 1;

  private Superblock() {}

  static byte[] encode(Layout l, Ext4Options o, long freeBlocks, long freeInodes, int group) {
    ByteBuffer b = ByteBuffer.allocate(1024).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(0x00, (int) l.inodes());
    b.putInt(0x04, (int) l.blocks);
    b.putInt(0x08, 0); // reserved blocks: the VM's root fs is sized to fit, keep it all usable
    b.putInt(0x0C, (int) freeBlocks);
    b.putInt(0x10, (int) freeInodes);
    b.putInt(0x14, 0); // first data block: 0 with 4 KiB blocks
    b.putInt(0x18, 2); // log2(block size) - 10
    b.putInt(0x1C, 2); // cluster size, the same without bigalloc
    b.putInt(0x20, Layout.BLOCKS_PER_GROUP);
    b.putInt(0x24, Layout.BLOCKS_PER_GROUP);
    b.putInt(0x28, l.inodesPerGroup);
    b.putInt(0x30, (int) o.timestamp()); // last write
    b.putShort(0x36, (short) -1); // max mount count: no forced checks
    b.putShort(0x38, (short) MAGIC);
    b.putShort(0x3A, (short) STATE_CLEAN);
    b.putShort(0x3C, (short) ERRORS_CONTINUE);
    b.putInt(0x40, (int) o.timestamp()); // last check
    b.putInt(0x4C, DYNAMIC_REV);
    b.putInt(0x54, TreePlan.LOST_FOUND_INO); // first non-reserved inode
    b.putShort(0x58, (short) Layout.INODE_SIZE);
    b.putShort(0x5A, (short) group);
    b.putInt(0x5C, COMPAT_EXT_ATTR | COMPAT_DIR_INDEX);
    b.putInt(0x60, INCOMPAT_FILETYPE | INCOMPAT_EXTENTS);
    b.putInt(
        0x64,
        RO_COMPAT_SPARSE_SUPER
            | RO_COMPAT_LARGE_FILE
            | RO_COMPAT_HUGE_FILE
            | RO_COMPAT_DIR_NLINK
            | RO_COMPAT_EXTRA_ISIZE);
    putUuid(b, 0x68, o.uuid());
    b.put(0x78, o.label().getBytes(StandardCharsets.UTF_8));
    // The htree hash seed must be stable for the same options, so it comes from the UUID.
    putUuid(b, 0xEC, hashSeed(o.uuid()));
    b.put(0xFC, (byte) HASH_HALF_MD4);
    b.putInt(0x108, (int) o.timestamp()); // mkfs time
    b.putShort(0x15C, (short) Inodes.EXTRA_ISIZE); // min extra isize
    b.putShort(0x15E, (short) Inodes.EXTRA_ISIZE); // wanted extra isize
    b.putInt(0x160, FLAGS_SIGNED_HASH);
    byte hi = (byte) (o.timestamp() >> 32); // times past 2106 carry a high byte
    b.put(0x274, hi); // last write
    b.put(0x276, hi); // mkfs
    b.put(0x277, hi); // last check
    return b.array();
  }

  static UUID hashSeed(UUID uuid) {
    return UUID.nameUUIDFromBytes(("ext4 hash seed " + uuid).getBytes(StandardCharsets.UTF_8));
  }

  private static void putUuid(ByteBuffer b, int at, UUID u) {
    // UUIDs are stored big-endian, byte for byte as printed.
    ByteBuffer.wrap(b.array(), at, 16)
        .putLong(u.getMostSignificantBits())
        .putLong(u.getLeastSignificantBits());
  }
}
