package io.oci2vm.internal.disk.ext4;

import io.oci2vm.ErrorCode;
import io.oci2vm.Oci2vmException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Encodes a file's extended attributes, inside the inode when they fit in the space after the
 * inode's extra fields and otherwise in one external block. Entries are sorted the way the kernel's
 * lookup expects (prefix index, name length, name) and carry the hashes e2fsck verifies.
 */
final class Xattrs {
  private static final int MAGIC = 0xEA020000;
  private static final int BLOCK_HEADER = 32;

  /** Bytes after the 128-byte base inode and its 32 bytes of extra fields. */
  static final int IN_INODE = Layout.INODE_SIZE - 128 - Inodes.EXTRA_ISIZE;

  // Longest prefix first so "system.posix_acl_access" wins over "system.".
  private static final String[] PREFIXES = {
    "system.posix_acl_default",
    "system.posix_acl_access",
    "security.",
    "trusted.",
    "system.",
    "user."
  };
  private static final int[] INDEXES = {3, 2, 6, 4, 7, 1};

  /** An encoded set: at most one of the two is non-null. */
  record Encoded(byte[] inInode, byte[] block) {}

  private record Entry(int index, byte[] name, byte[] value) {}

  private Xattrs() {}

  /** Encodes {@code xattrs}; an empty map gives neither inode bytes nor a block. */
  static Encoded encode(Map<String, byte[]> xattrs) {
    if (xattrs.isEmpty()) {
      return new Encoded(null, null);
    }
    List<Entry> entries = new ArrayList<>();
    for (Map.Entry<String, byte[]> e : xattrs.entrySet()) {
      entries.add(entry(e.getKey(), e.getValue()));
    }
    entries.sort(
        Comparator.comparingInt(Entry::index)
            .thenComparingInt(e -> e.name().length)
            .thenComparing(Entry::name, java.util.Arrays::compareUnsigned));
    int size = 4; // the terminating zero word
    for (Entry e : entries) {
      size += 16 + pad(e.name().length) + pad(e.value().length);
    }
    if (size <= IN_INODE - 4) {
      ByteBuffer b = le(IN_INODE);
      b.putInt(MAGIC);
      fill(b.slice().order(ByteOrder.LITTLE_ENDIAN), entries);
      return new Encoded(b.array(), null);
    }
    if (size > Layout.BLOCK - BLOCK_HEADER) {
      throw new Oci2vmException(
          ErrorCode.LIMIT_EXCEEDED,
          "extended attributes of "
              + size
              + " bytes do not fit one 4 KiB ext4 block; drop large attributes from the image");
    }
    ByteBuffer b = le(Layout.BLOCK);
    b.putInt(MAGIC).putInt(1).putInt(1); // magic, refcount, blocks
    int[] hashes = fill(b.position(BLOCK_HEADER), entries);
    int blockHash = 0;
    for (int h : hashes) {
      blockHash = (blockHash << 16) ^ (blockHash >>> 16) ^ h;
    }
    b.putInt(12, blockHash); // h_hash follows magic, refcount and blocks

    return new Encoded(null, b.array());
  }

  /**
   * Writes the entries from {@code region}'s position and their values from its end; value offsets
   * count from the region's start (the first in-inode entry, or the block start). Returns the entry
   * hashes.
   */
  private static int[] fill(ByteBuffer region, List<Entry> entries) {
    int valueEnd = region.capacity();
    int[] hashes = new int[entries.size()];
    int i = 0;
    for (Entry e : entries) {
      valueEnd -= pad(e.value().length);
      region.put(valueEnd, e.value());
      int hash = hash(e.name(), e.value());
      hashes[i++] = hash;
      region.put((byte) e.name().length);
      region.put((byte) e.index());
      region.putShort((short) (e.value().length == 0 ? 0 : valueEnd));
      region.putInt(0); // value inode
      region.putInt(e.value().length);
      region.putInt(hash);
      region.put(e.name());
      region.position(region.position() + pad(e.name().length) - e.name().length);
    }
    return hashes;
  }

  private static Entry entry(String fullName, byte[] value) {
    for (int i = 0; i < PREFIXES.length; i++) {
      if (fullName.startsWith(PREFIXES[i])) {
        byte[] name = fullName.substring(PREFIXES[i].length()).getBytes(StandardCharsets.UTF_8);
        if (name.length > 255) {
          break;
        }
        boolean acl = INDEXES[i] == 2 || INDEXES[i] == 3;
        return new Entry(INDEXES[i], name, acl ? PosixAcl.toExt4(value) : value);
      }
    }
    throw new Oci2vmException(
        ErrorCode.LIMIT_EXCEEDED,
        "extended attribute "
            + fullName
            + " has a namespace ext4 cannot store or a name over 255 bytes;"
            + " only user., trusted., security. and system. are supported");
  }

  /** The kernel's ext4_xattr_hash_entry for an attribute whose value is stored inline. */
  static int hash(byte[] name, byte[] value) {
    int hash = 0;
    for (byte c : name) {
      hash = (hash << 5) ^ (hash >>> 27) ^ (c & 0xff);
    }
    ByteBuffer v = ByteBuffer.allocate(pad(value.length)).order(ByteOrder.LITTLE_ENDIAN);
    v.put(value).rewind(); // the zero padding counts too
    while (v.remaining() >= 4) {
      hash = (hash << 16) ^ (hash >>> 16) ^ v.getInt();
    }
    return hash;
  }

  private static int pad(int n) {
    return (n + 3) & ~3;
  }

  private static ByteBuffer le(int size) {
    return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
  }
}
