package io.oci2vm.internal.disk.format;

import io.oci2vm.internal.disk.DiskImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.BitSet;

/**
 * VMware monolithicSparse: header, embedded descriptor, redundant grain directory and tables,
 * primary grain directory and tables, then the grains, uncompressed, in disk order. Every grain
 * table exists (VMware expects a full directory for a hosted sparse extent); an unallocated grain
 * is a zero GTE, which reads as zeros since there is no parent.
 */
final class VmdkSparseWriter implements FormatWriter {
  @Override
  public void write(DiskImage disk, Path out) throws IOException {
    long capacity = Bytes.ceilDiv(disk.size(), Vmdk.SECTOR);
    long grains = Bytes.ceilDiv(capacity, Vmdk.GRAIN_SECTORS);
    int tables = (int) Bytes.ceilDiv(grains, Vmdk.GTES_PER_GT);
    long gdSectors = Bytes.ceilDiv(tables * 4L, Vmdk.SECTOR);
    long rgd = Vmdk.DESCRIPTOR_OFFSET + Vmdk.DESCRIPTOR_SECTORS;
    long rgts = rgd + gdSectors;
    long gd = rgts + (long) tables * Vmdk.GT_SECTORS;
    long gts = gd + gdSectors;
    // overHead is grain-aligned so that every grain starts on a grain boundary in the file.
    long overhead = Bytes.roundUp(gts + (long) tables * Vmdk.GT_SECTORS, Vmdk.GRAIN_SECTORS);

    Vmdk.Header header =
        new Vmdk.Header(
            1, Vmdk.FLAG_VALID_NEWLINE | Vmdk.FLAG_REDUNDANT_GT, capacity, rgd, gd, overhead, 0);
    BitSet data = disk.dataChunks();
    // GTEs and GD entries are 32-bit sector numbers: the file must stay under 2 TiB.
    if (overhead + (long) data.cardinality() * Vmdk.GRAIN_SECTORS > 0xFFFFFFFFL) {
      throw new IllegalArgumentException("disk too large for a vmdk: " + disk.size() + " bytes");
    }
    try (FormatOutput o = FormatOutput.create(out)) {
      o.write(header.encode());
      o.skipTo(rgd * Vmdk.SECTOR); // the descriptor is written last: its CID hashes the data
      o.write(directory(tables, gdSectors, rgts));
      writeTables(o, tables, data, overhead);
      o.write(directory(tables, gdSectors, gts));
      writeTables(o, tables, data, overhead);
      o.skipTo(overhead * Vmdk.SECTOR);

      ChunkReader reader = new ChunkReader(disk);
      for (int c = data.nextSetBit(0); c >= 0; c = data.nextSetBit(c + 1)) {
        o.write(reader.read(c), 0, Vmdk.GRAIN);
      }
      o.finish();
      o.patch(
          Vmdk.DESCRIPTOR_OFFSET * Vmdk.SECTOR,
          Vmdk.descriptor("monolithicSparse", capacity, Vmdk.cid(reader), Vmdk.EXTENT_NAME));
    }
  }

  private static ByteBuffer directory(int tables, long gdSectors, long firstTable) {
    ByteBuffer d = Bytes.le((int) (gdSectors * Vmdk.SECTOR));
    for (int t = 0; t < tables; t++) {
      d.putInt(t * 4, (int) (firstTable + (long) t * Vmdk.GT_SECTORS));
    }
    return d;
  }

  /** Grain tables in order; grain number r (in disk order) lives at overhead + r grains. */
  private static void writeTables(FormatOutput o, int tables, BitSet data, long overhead)
      throws IOException {
    ByteBuffer gt = Bytes.le(Vmdk.GT_SECTORS * Vmdk.SECTOR);
    long rank = 0;
    for (int t = 0; t < tables; t++) {
      gt.clear();
      for (int e = 0; e < Vmdk.GTES_PER_GT; e++) {
        int grain = t * Vmdk.GTES_PER_GT + e;
        gt.putInt(e * 4, data.get(grain) ? (int) (overhead + rank++ * Vmdk.GRAIN_SECTORS) : 0);
      }
      o.write(gt);
    }
  }
}
