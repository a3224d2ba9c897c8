package io.oci2vm.internal.disk.format;

import io.oci2vm.internal.disk.DiskImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * A dynamic VirtualBox VDI, header version 1.1 (little-endian): the 512-byte header, the block map
 * (one 32-bit entry per 1 MiB block), then the allocated blocks in disk order, starting 1 MiB
 * aligned as VirtualBox itself lays them out.
 *
 * <p>Unallocated blocks are 0xFFFFFFFF ("free"), not 0xFFFFFFFE ("zero"): both read as zeros in a
 * disk without a parent, and "free" is what VirtualBox and qemu write for a new image.
 */
final class VdiWriter implements FormatWriter {
  private static final int BLOCK = 1 << 20;
  private static final int HEADER_SIZE = 512;
  private static final int MAP_OFFSET = HEADER_SIZE;
  private static final int FREE = 0xffffffff;
  private static final int TYPE_DYNAMIC = 1;

  @Override
  public void write(DiskImage disk, Path out) throws IOException {
    long blocks = Bytes.ceilDiv(disk.size(), BLOCK);
    if (blocks * 4 > Integer.MAX_VALUE - BLOCK) {
      throw new IllegalArgumentException("disk too large for a VDI: " + disk.size());
    }
    ByteBuffer map = Bytes.le((int) Bytes.roundUp(blocks * 4, 512));
    int allocated = 0;
    for (long b = 0; b < blocks; b++) {
      map.putInt((int) b * 4, disk.hasData(b * BLOCK, BLOCK) ? allocated++ : FREE);
    }
    long dataOffset = Bytes.roundUp(MAP_OFFSET + map.capacity(), BLOCK);
    try (FormatOutput o = FormatOutput.create(out)) {
      o.skipTo(MAP_OFFSET); // the header names content-derived UUIDs: written last
      o.write(map);
      o.skipTo(dataOffset);
      ChunkReader reader = new ChunkReader(disk);
      for (long b = 0; b < blocks; b++) {
        if (disk.hasData(b * BLOCK, BLOCK)) {
          reader.copy(b * BLOCK, BLOCK, o);
        }
      }
      o.finish();
      o.patch(0, header(disk.size(), blocks, allocated, dataOffset, reader));
    }
  }

  private static ByteBuffer header(
      long size, long blocks, int allocated, long dataOffset, ChunkReader reader) {
    ByteBuffer h = Bytes.le(HEADER_SIZE);
    Bytes.putAscii(h, 0, "<<< Oracle VM VirtualBox Disk Image >>>\n");
    h.putInt(64, 0xbeda107f); // signature
    h.putInt(68, 0x00010001); // version 1.1
    h.putInt(72, 0x190); // size of the v1.1 header that follows the pre-header (400 bytes)
    h.putInt(76, TYPE_DYNAMIC);
    // 80: flags 0; 84: 256-byte description, empty
    h.putInt(340, MAP_OFFSET);
    h.putInt(344, (int) dataOffset);
    // 348..359: legacy geometry 0/0/0, meaning "compute it"
    h.putInt(360, 512); // sector size
    h.putLong(368, size);
    h.putInt(376, BLOCK);
    // 380: no extra data per block
    h.putInt(384, (int) blocks);
    h.putInt(388, allocated);
    // The image UUID identifies the disk in VirtualBox's media registry; the modification UUID
    // changes on every write. Linkage and parent UUIDs stay zero: no parent.
    Bytes.putGuid(h, 392, reader.uuid("vdi-image"));
    Bytes.putGuid(h, 408, reader.uuid("vdi-modification"));
    // 456..511: LCHS geometry (zero = compute it)
    return h;
  }
}
