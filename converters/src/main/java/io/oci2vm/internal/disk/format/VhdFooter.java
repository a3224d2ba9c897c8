package io.oci2vm.internal.disk.format;

import java.nio.ByteBuffer;
import java.util.UUID;

/**
 * The 512-byte big-endian VHD footer (Microsoft "Virtual Hard Disk Image Format Specification" 1.0,
 * appendix "Hard Disk Footer Format"), shared by fixed and dynamic VHDs.
 */
final class VhdFooter {
  static final int SIZE = 512;
  static final int TYPE_FIXED = 2;
  static final int TYPE_DYNAMIC = 3;

  private VhdFooter() {}

  /**
   * Encodes a footer. {@code dataOffset} is the dynamic header's offset, or -1 for a fixed disk.
   * The timestamp is 0 (2000-01-01) so that output is reproducible.
   */
  static ByteBuffer encode(long size, int type, long dataOffset, UUID uniqueId) {
    ByteBuffer f = Bytes.be(SIZE);
    Bytes.putAscii(f, 0, "conectix");
    f.putInt(8, 2); // features: the "reserved" bit, which the spec says must always be set
    f.putInt(12, 0x00010000); // file format version 1.0
    f.putLong(16, dataOffset);
    // 24: timestamp 0.
    // Creator application "win " (Hyper-V). Virtual PC sized a disk by its CHS geometry,
    // Hyper-V and Azure by current_size; CHS cannot express most sizes exactly. qemu reads
    // current_size only for creators it knows to use it ("win ", "qem2", "d2v ", "tap\0",
    // "CTXS") and the geometry for any other, so an unknown creator id would shrink the disk.
    Bytes.putAscii(f, 28, "win ");
    f.putInt(32, 0x00010000);
    Bytes.putAscii(f, 36, "Wi2k"); // creator host OS: Windows, as Hyper-V writes
    f.putLong(40, size); // original size
    f.putLong(48, size); // current size
    f.putInt(56, geometry(size / 512));
    f.putInt(60, type);
    Bytes.putUuidBigEndian(f, 68, uniqueId);
    f.putInt(64, checksum(f, 64));
    return f;
  }

  /** The spec's checksum: the ones' complement of the byte sum, taken with the field zeroed. */
  static int checksum(ByteBuffer b, int field) {
    int sum = 0;
    for (int i = 0; i < b.capacity(); i++) {
      if (i < field || i >= field + 4) {
        sum += b.get(i) & 0xff;
      }
    }
    return ~sum;
  }

  /**
   * CHS geometry packed as cylinders (16 bits), heads (8), sectors per track (8), by the spec's
   * algorithm; it caps at 65535 x 16 x 255 sectors (about 127 GiB), beyond which readers must use
   * the current size.
   */
  static int geometry(long totalSectors) {
    long sectors = Math.min(totalSectors, 65535L * 16 * 255);
    long perTrack;
    long heads;
    long cylTimesHeads;
    if (sectors >= 65535L * 16 * 63) {
      perTrack = 255;
      heads = 16;
      cylTimesHeads = sectors / perTrack;
    } else {
      perTrack = 17;
      cylTimesHeads = sectors / perTrack;
      heads = Math.max(4, (cylTimesHeads + 1023) / 1024);
      if (cylTimesHeads >= heads * 1024 || heads > 16) {
        perTrack = 31;
        heads = 16;
        cylTimesHeads = sectors / perTrack;
      }
      if (cylTimesHeads >= heads * 1024) {
        perTrack = 63;
        heads = 16;
        cylTimesHeads = sectors / perTrack;
      }
    }
    long cylinders = cylTimesHeads / heads;
    return (int) ((cylinders << 16) | (heads << 8) | perTrack);
  }
}
