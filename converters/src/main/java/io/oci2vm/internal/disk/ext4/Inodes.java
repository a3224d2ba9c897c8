package io.oci2vm.internal.disk.ext4;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Encodes 256-byte ext4 inodes: the classic 128 bytes, 32 bytes of extra fields, then xattrs. */
final class Inodes {
  /** Size of the extra fields we fill (through i_projid). */
  static final int EXTRA_ISIZE = 32;

  static final int EXTENTS_FL = 0x80000;

  static final int S_IFIFO = 0x1000;
  static final int S_IFCHR = 0x2000;
  static final int S_IFDIR = 0x4000;
  static final int S_IFBLK = 0x6000;
  static final int S_IFREG = 0x8000;
  static final int S_IFLNK = 0xA000;

  /**
   * Times are 34-bit seconds: 32 signed bits in the base inode plus two epoch bits in the extra
   * field. The top of the range is cut short because e2fsck reads epoch 3 with a negative low word
   * as a pre-1970 time damaged by old kernels.
   */
  static final long MIN_TIME = Integer.MIN_VALUE;

  static final long MAX_TIME = 3L * (1L << 32) + Integer.MIN_VALUE - 1;

  private Inodes() {}

  /** The fields of one inode; all times are set to the same value. */
  static final class Fields {
    int mode;
    long uid;
    long gid;
    long size;
    int links;
    long time;
    long blocks; // in 4 KiB filesystem blocks
    int flags;
    byte[] block = new byte[60];
    long fileAcl;
    byte[] xattrs; // IN_INODE bytes or null
  }

  static byte[] encode(Fields f) {
    ByteBuffer b = ByteBuffer.allocate(Layout.INODE_SIZE).order(ByteOrder.LITTLE_ENDIAN);
    long t = Math.max(MIN_TIME, Math.min(MAX_TIME, f.time));
    int lo = (int) t;
    int extra = (int) ((t - lo) >> 32) & 3; // epoch bits; nanoseconds are zero
    long sectors = f.blocks * (Layout.BLOCK / 512);
    b.putShort(0x00, (short) f.mode);
    b.putShort(0x02, (short) f.uid);
    b.putInt(0x04, (int) f.size);
    b.putInt(0x08, lo); // atime
    b.putInt(0x0C, lo); // ctime
    b.putInt(0x10, lo); // mtime
    b.putShort(0x18, (short) f.gid);
    b.putShort(0x1A, (short) f.links);
    b.putInt(0x1C, (int) sectors);
    b.putInt(0x20, f.flags);
    b.put(0x28, f.block);
    b.putInt(0x68, (int) f.fileAcl);
    b.putInt(0x6C, (int) (f.size >>> 32));
    b.putShort(0x74, (short) (sectors >>> 32)); // huge_file: i_blocks_high
    b.putShort(0x76, (short) (f.fileAcl >>> 32));
    b.putShort(0x78, (short) (f.uid >>> 16));
    b.putShort(0x7A, (short) (f.gid >>> 16));
    b.putShort(0x80, (short) EXTRA_ISIZE);
    b.putInt(0x84, extra); // ctime_extra
    b.putInt(0x88, extra); // mtime_extra
    b.putInt(0x8C, extra); // atime_extra
    b.putInt(0x90, lo); // crtime: the tree has no birth time, the mtime is the best guess
    b.putInt(0x94, extra);
    if (f.xattrs != null) {
      b.put(128 + EXTRA_ISIZE, f.xattrs);
    }
    return b.array();
  }

  /** i_block for a character or block device, in the kernel's old or new encoding. */
  static byte[] deviceBlock(int major, int minor) {
    ByteBuffer b = ByteBuffer.allocate(60).order(ByteOrder.LITTLE_ENDIAN);
    if (major < 256 && minor < 256) {
      b.putInt(0, (major << 8) | minor);
    } else {
      b.putInt(4, (minor & 0xff) | ((major & 0xfff) << 8) | ((minor & ~0xff) << 12));
    }
    return b.array();
  }
}
