package io.oci2vm.internal.disk.ext4;

import io.oci2vm.ErrorCode;
import io.oci2vm.Oci2vmException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Converts a POSIX ACL from the xattr form user space and tar layers carry (version 2, every entry
 * 8 bytes) to the compact form ext4 keeps on disk (version 1, no id for the owner, group, mask and
 * other entries).
 */
final class PosixAcl {
  private static final int XATTR_VERSION = 2;
  private static final int EXT4_VERSION = 1;
  private static final int ACL_USER = 0x02;
  private static final int ACL_GROUP = 0x08;

  private PosixAcl() {}

  static byte[] toExt4(byte[] xattr) {
    ByteBuffer in = ByteBuffer.wrap(xattr).order(ByteOrder.LITTLE_ENDIAN);
    if (xattr.length < 4 || (xattr.length - 4) % 8 != 0 || in.getInt() != XATTR_VERSION) {
      throw new Oci2vmException(
          ErrorCode.MALFORMED_LAYER, "a POSIX ACL attribute is not in the version 2 xattr format");
    }
    ByteBuffer out = ByteBuffer.allocate(xattr.length).order(ByteOrder.LITTLE_ENDIAN);
    out.putInt(EXT4_VERSION);
    while (in.hasRemaining()) {
      short tag = in.getShort();
      short perm = in.getShort();
      int id = in.getInt();
      out.putShort(tag).putShort(perm);
      if (tag == ACL_USER || tag == ACL_GROUP) {
        out.putInt(id);
      }
    }
    byte[] result = new byte[out.position()];
    out.flip().get(result);
    return result;
  }
}
