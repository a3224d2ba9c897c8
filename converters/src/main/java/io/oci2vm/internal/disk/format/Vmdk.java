package io.oci2vm.internal.disk.format;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Shared parts of the two VMware sparse extent kinds (VMware Virtual Disk Format 1.1 / 5.0): the
 * 512-byte little-endian SparseExtentHeader and the embedded text descriptor.
 */
final class Vmdk {
  static final int SECTOR = 512;

  /** Grain of 128 sectors = 64 KiB = one zero-map chunk. */
  static final int GRAIN_SECTORS = 128;

  static final int GRAIN = GRAIN_SECTORS * SECTOR;
  static final int GTES_PER_GT = 512;

  /** One grain table: 512 four-byte entries = 4 sectors. */
  static final int GT_SECTORS = GTES_PER_GT * 4 / SECTOR;

  /**
   * The file name in the descriptor's extent line. A monolithic extent is the descriptor's own
   * file, so readers ignore the name; a fixed one keeps the output independent of the path written
   * to (the caller writes a temporary file and renames it).
   */
  static final String EXTENT_NAME = "disk.vmdk";

  static final int DESCRIPTOR_OFFSET = 1;
  static final int DESCRIPTOR_SECTORS = 20;
  static final int FLAG_VALID_NEWLINE = 1;
  static final int FLAG_REDUNDANT_GT = 1 << 1;
  static final int FLAG_COMPRESSED = 1 << 16;
  static final int FLAG_MARKERS = 1 << 17;

  /** gdOffset of a streamOptimized header: the real one is in the footer at the end. */
  static final long GD_AT_END = -1L;

  private Vmdk() {}

  /** The header fields that differ between the two kinds. */
  record Header(
      int version,
      int flags,
      long capacitySectors,
      long rgdOffset,
      long gdOffset,
      long overheadSectors,
      int compressAlgorithm) {
    ByteBuffer encode() {
      ByteBuffer h = Bytes.le(SECTOR);
      h.putInt(0, 0x564d444b); // "KDMV"
      h.putInt(4, version);
      h.putInt(8, flags);
      h.putLong(12, capacitySectors);
      h.putLong(20, GRAIN_SECTORS);
      h.putLong(28, DESCRIPTOR_OFFSET);
      h.putLong(36, DESCRIPTOR_SECTORS);
      h.putInt(44, GTES_PER_GT);
      h.putLong(48, rgdOffset);
      h.putLong(56, gdOffset);
      h.putLong(64, overheadSectors);
      // 72: uncleanShutdown 0. The four newline-detection characters let a reader notice a
      // header mangled by an ASCII-mode FTP transfer (FLAG_VALID_NEWLINE says they are set).
      h.put(73, (byte) '\n');
      h.put(74, (byte) ' ');
      h.put(75, (byte) '\r');
      h.put(76, (byte) '\n');
      h.putShort(77, (short) compressAlgorithm);
      return h;
    }
  }

  /**
   * The embedded descriptor, padded to {@link #DESCRIPTOR_SECTORS}. The geometry is the one VMware
   * uses for an LSI Logic SCSI disk: 255 heads, 63 sectors per track, cylinders capped at 65535.
   */
  static ByteBuffer descriptor(String createType, long capacitySectors, int cid, String fileName) {
    long cylinders = Math.min(65535, capacitySectors / (255 * 63));
    String text =
        "# Disk DescriptorFile\n"
            + "version=1\n"
            + String.format(Locale.ROOT, "CID=%08x\n", cid)
            + "parentCID=ffffffff\n"
            + "createType=\""
            + createType
            + "\"\n\n"
            + "# Extent description\n"
            + "RW "
            + capacitySectors
            + " SPARSE \""
            + fileName.replace("\"", "")
            + "\"\n\n"
            + "# The Disk Data Base\n"
            + "#DDB\n\n"
            + "ddb.virtualHWVersion = \"4\"\n"
            + "ddb.adapterType = \"lsilogic\"\n"
            + "ddb.geometry.cylinders = \""
            + Math.max(1, cylinders)
            + "\"\n"
            + "ddb.geometry.heads = \"255\"\n"
            + "ddb.geometry.sectors = \"63\"\n"
            + "ddb.toolsVersion = \"0\"\n";
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    ByteBuffer d = ByteBuffer.allocate(DESCRIPTOR_SECTORS * SECTOR);
    if (b.length > d.capacity()) {
      throw new IllegalArgumentException("vmdk descriptor too long: " + b.length + " bytes");
    }
    d.put(b).clear();
    return d;
  }

  /** The CID, a 32-bit content id that changes whenever the disk changes. */
  static int cid(ChunkReader reader) {
    // VMware treats CID 0xffffffff as "no parent", so never produce it.
    int cid = (int) reader.uuid("vmdk-cid").getLeastSignificantBits();
    return cid == -1 ? 0xfffffffe : cid;
  }
}
