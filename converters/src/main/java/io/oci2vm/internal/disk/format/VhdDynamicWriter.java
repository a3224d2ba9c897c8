package io.oci2vm.internal.disk.format;

import io.oci2vm.internal.disk.DiskImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.UUID;

/**
 * A dynamic VHD: footer copy, dynamic disk header ("cxsparse"), block allocation table, then each
 * allocated 2 MiB block as a sector bitmap plus data, then the footer. All fields big-endian.
 */
final class VhdDynamicWriter implements FormatWriter {
  private static final int BLOCK = 2 << 20;
  private static final int HEADER_OFFSET = VhdFooter.SIZE;
  private static final int HEADER_SIZE = 1024;
  private static final long BAT_OFFSET = HEADER_OFFSET + HEADER_SIZE;

  /** One bit per 512-byte sector of a block: 4096 bits = 512 bytes, already sector-sized. */
  private static final int BITMAP = BLOCK / 512 / 8;

  @Override
  public void write(DiskImage disk, Path out) throws IOException {
    int blocks = (int) Bytes.ceilDiv(disk.size(), BLOCK);
    long batBytes = Bytes.roundUp(blocks * 4L, 512);
    ByteBuffer bat = Bytes.be((int) batBytes);
    // Unused BAT entries are 0xFFFFFFFF; that includes the sector padding after the last entry.
    Arrays.fill(bat.array(), (byte) 0xff);
    long next = BAT_OFFSET + batBytes;
    for (int b = 0; b < blocks; b++) {
      if (disk.hasData((long) b * BLOCK, BLOCK)) {
        bat.putInt(b * 4, (int) (next / 512));
        next += BITMAP + BLOCK;
      }
    }
    if (next / 512 > 0xFFFFFFFFL) {
      throw new IllegalArgumentException("disk too large for a dynamic VHD");
    }
    try (FormatOutput o = FormatOutput.create(out)) {
      o.skipTo(HEADER_OFFSET); // the footer copy, patched in once the unique id is known
      o.write(header(blocks));
      o.write(bat);
      // Every sector of an allocated block is marked present; its zero parts read as zeros.
      byte[] bitmap = new byte[BITMAP];
      Arrays.fill(bitmap, (byte) 0xff);
      ChunkReader reader = new ChunkReader(disk);
      for (int b = 0; b < blocks; b++) {
        if (disk.hasData((long) b * BLOCK, BLOCK)) {
          o.write(bitmap, 0, BITMAP);
          reader.copy((long) b * BLOCK, BLOCK, o);
        }
      }
      UUID id = reader.uuid("vhd-unique-id");
      o.write(VhdFooter.encode(disk.size(), VhdFooter.TYPE_DYNAMIC, HEADER_OFFSET, id));
      o.finish();
      o.patch(0, VhdFooter.encode(disk.size(), VhdFooter.TYPE_DYNAMIC, HEADER_OFFSET, id));
    }
  }

  private static ByteBuffer header(int blocks) {
    ByteBuffer h = Bytes.be(HEADER_SIZE);
    Bytes.putAscii(h, 0, "cxsparse");
    h.putLong(8, -1); // data offset: unused, all ones
    h.putLong(16, BAT_OFFSET);
    h.putInt(24, 0x00010000); // header version 1.0
    h.putInt(28, blocks); // max table entries
    h.putInt(32, BLOCK);
    // 40..: no parent (not a differencing disk)
    h.putInt(36, VhdFooter.checksum(h, 36));
    return h;
  }
}
