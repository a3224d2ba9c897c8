package io.oci2vm.internal.disk.format;

import io.oci2vm.internal.disk.DiskImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.Deflater;

/**
 * VMware streamOptimized (VMware Virtual Disk Format 5.0, "Stream-Optimized Compressed Sparse
 * Extents"), the vmdk kind inside an OVA. After the header and descriptor come, per 32 MiB grain
 * table span: a grain marker plus zlib-compressed grain for each data grain, then a GT marker and
 * the grain table. Then a GD marker and the grain directory, a footer marker and a footer (a copy
 * of the header that holds the real gdOffset), and an end-of-stream marker. The header itself says
 * gdOffset = GD_AT_END, so readers take the directory from the footer in the last 1536 bytes.
 */
final class VmdkStreamWriter implements FormatWriter {
  private static final int MARKER_EOS = 0;
  private static final int MARKER_GT = 1;
  private static final int MARKER_GD = 2;
  private static final int MARKER_FOOTER = 3;

  /** compressAlgorithm 1 = deflate; VMware and qemu both use the zlib (RFC 1950) wrapping. */
  private static final int COMPRESSION_DEFLATE = 1;

  @Override
  public void write(DiskImage disk, Path out) throws IOException {
    writeNamed(disk, out, Vmdk.EXTENT_NAME);
  }

  /** Writes {@code out} with a descriptor that calls the extent {@code fileName}. */
  void writeNamed(DiskImage disk, Path out, String fileName) throws IOException {
    long capacity = Bytes.ceilDiv(disk.size(), Vmdk.SECTOR);
    long grains = Bytes.ceilDiv(capacity, Vmdk.GRAIN_SECTORS);
    int tables = (int) Bytes.ceilDiv(grains, Vmdk.GTES_PER_GT);
    long gdSectors = Bytes.ceilDiv(tables * 4L, Vmdk.SECTOR);
    // The header and descriptor take 21 sectors; grains start at the next grain boundary.
    long overhead = Vmdk.GRAIN_SECTORS;
    int flags = Vmdk.FLAG_VALID_NEWLINE | Vmdk.FLAG_COMPRESSED | Vmdk.FLAG_MARKERS;

    ByteBuffer directory = Bytes.le((int) (gdSectors * Vmdk.SECTOR));
    ByteBuffer table = Bytes.le(Vmdk.GT_SECTORS * Vmdk.SECTOR);
    byte[] compressed = new byte[Vmdk.GRAIN + Vmdk.GRAIN / 8 + 64];
    Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION);
    try (FormatOutput o = FormatOutput.create(out)) {
      ChunkReader reader = new ChunkReader(disk);
      o.write(
          new Vmdk.Header(3, flags, capacity, 0, Vmdk.GD_AT_END, overhead, COMPRESSION_DEFLATE)
              .encode());
      o.skipTo(overhead * Vmdk.SECTOR); // the descriptor is patched in at the end
      for (int t = 0; t < tables; t++) {
        Arrays.fill(table.array(), (byte) 0);
        for (int e = 0; e < Vmdk.GTES_PER_GT; e++) {
          long grain = (long) t * Vmdk.GTES_PER_GT + e;
          if (grain >= grains || disk.isZero(grain)) {
            continue;
          }
          deflater.reset();
          deflater.setInput(reader.read(grain), 0, Vmdk.GRAIN);
          deflater.finish();
          int n = deflater.deflate(compressed);
          if (!deflater.finished()) {
            throw new IllegalStateException("grain did not fit the compression buffer");
          }
          table.putInt(e * 4, (int) (o.position() / Vmdk.SECTOR));
          // Grain marker: lba (in sectors) and compressed size, then the data, sector-padded.
          ByteBuffer m = Bytes.le(12);
          m.putLong(0, grain * Vmdk.GRAIN_SECTORS).putInt(8, n);
          o.write(m);
          o.write(compressed, 0, n);
          padToSector(o);
        }
        // Every table is written, even an empty one: a reader that follows the directory then
        // never meets a zero GD entry, which older VMware importers do not all accept.
        o.write(marker(Vmdk.GT_SECTORS, MARKER_GT));
        directory.putInt(t * 4, (int) (o.position() / Vmdk.SECTOR));
        table.clear();
        o.write(table);
      }
      o.write(marker(gdSectors, MARKER_GD));
      long gdOffset = o.position() / Vmdk.SECTOR;
      o.write(directory);
      o.write(marker(1, MARKER_FOOTER));
      o.write(
          new Vmdk.Header(3, flags, capacity, 0, gdOffset, overhead, COMPRESSION_DEFLATE).encode());
      o.write(marker(0, MARKER_EOS));
      o.finish();
      if (o.position() / Vmdk.SECTOR > 0xFFFFFFFFL) {
        throw new IllegalArgumentException("disk too large for a streamOptimized vmdk");
      }
      o.patch(
          Vmdk.DESCRIPTOR_OFFSET * Vmdk.SECTOR,
          Vmdk.descriptor("streamOptimized", capacity, Vmdk.cid(reader), fileName));
    } finally {
      deflater.end();
    }
  }

  /** A metadata marker sector: numSectors of what follows, size 0, and the type. */
  private static ByteBuffer marker(long sectors, int type) {
    ByteBuffer m = Bytes.le(Vmdk.SECTOR);
    m.putLong(0, sectors);
    m.putInt(8, 0);
    m.putInt(12, type);
    return m;
  }

  private static void padToSector(FormatOutput o) throws IOException {
    int rem = (int) (o.position() % Vmdk.SECTOR);
    if (rem != 0) {
      o.write(new byte[Vmdk.SECTOR - rem], 0, Vmdk.SECTOR - rem);
    }
  }
}
