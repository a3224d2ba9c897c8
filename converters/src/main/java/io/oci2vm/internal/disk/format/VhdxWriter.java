package io.oci2vm.internal.disk.format;

import io.oci2vm.internal.disk.DiskImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * A dynamic VHDX ([MS-VHDX] 2.0). Layout, with every region 1 MiB aligned as the spec requires:
 *
 * <pre>
 *   0       file type identifier      64 KiB  header 1     128 KiB header 2
 *   192 KiB region table 1            256 KiB region table 2
 *   1 MiB   log (1 MiB, empty: LogGuid is zero, so there is nothing to replay)
 *   2 MiB   metadata region (1 MiB)   3 MiB   BAT region, then the payload blocks
 * </pre>
 *
 * Blocks are 1 MiB, the smallest the spec allows and what Microsoft recommends for Linux guests on
 * ext4 (fewer partly-used blocks, so a sparse image stays small). Little-endian throughout; headers
 * and region tables carry CRC-32C checksums.
 */
final class VhdxWriter implements FormatWriter {
  private static final int KIB = 1024;
  private static final int MIB = 1024 * KIB;
  private static final int BLOCK = MIB;
  private static final int LOGICAL_SECTOR = 512;
  private static final int PHYSICAL_SECTOR = 4096;

  /**
   * Payload blocks per sector bitmap block: 2^23 sectors * logical sector size / block size. The
   * BAT interleaves one sector bitmap entry after every CHUNK_RATIO payload entries, even in a
   * non-differencing disk where those entries stay "not present".
   */
  private static final long CHUNK_RATIO = (1L << 23) * LOGICAL_SECTOR / BLOCK;

  private static final long HEADER_1 = 64 * KIB;
  private static final long HEADER_2 = 128 * KIB;
  private static final long REGIONS_1 = 192 * KIB;
  private static final long REGIONS_2 = 256 * KIB;
  private static final long LOG = MIB;
  private static final long METADATA = 2L * MIB;
  private static final long BAT = 3L * MIB;

  private static final UUID BAT_REGION = UUID.fromString("2DC27766-F623-4200-9D64-115E9BFD4A08");
  private static final UUID METADATA_REGION =
      UUID.fromString("8B7CA206-4790-4B9A-B8FE-575F050F886E");
  private static final UUID FILE_PARAMETERS =
      UUID.fromString("CAA16737-FA36-4D43-B3B6-33F0AA44E76B");
  private static final UUID VIRTUAL_DISK_SIZE =
      UUID.fromString("2FA54224-CD1B-4876-B211-5DBED83BF4B8");
  private static final UUID PAGE_83 = UUID.fromString("BECA12AB-B2E6-4523-93EF-C309E000C746");
  private static final UUID LOGICAL_SECTOR_SIZE =
      UUID.fromString("8141BF1D-A96F-4709-BA47-F233A8FAAB5F");
  private static final UUID PHYSICAL_SECTOR_SIZE =
      UUID.fromString("CDA348C7-445D-4471-9CC9-E9885251C556");

  private static final long PAYLOAD_BLOCK_FULLY_PRESENT = 6;
  private static final int META_IS_VIRTUAL_DISK = 2;
  private static final int META_IS_REQUIRED = 4;

  @Override
  public void write(DiskImage disk, Path out) throws IOException {
    long blocks = Bytes.ceilDiv(disk.size(), BLOCK);
    long entries = blocks + (blocks - 1) / CHUNK_RATIO;
    long batLength = Bytes.roundUp(entries * 8, MIB);
    if (batLength > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("disk too large for a VHDX BAT: " + disk.size());
    }
    ByteBuffer bat = Bytes.le((int) (entries * 8));
    long next = BAT + batLength;
    for (long b = 0; b < blocks; b++) {
      if (disk.hasData(b * BLOCK, BLOCK)) {
        // FileOffsetMB lives in bits 20-63, so a MiB-aligned offset is its own encoding.
        bat.putLong((int) (b + b / CHUNK_RATIO) * 8, next | PAYLOAD_BLOCK_FULLY_PRESENT);
        next += BLOCK;
      }
    }
    try (FormatOutput o = FormatOutput.create(out)) {
      o.write(fileIdentifier());
      o.skipTo(REGIONS_1); // headers are written last: they name the content-derived GUIDs
      o.write(regionTable(batLength));
      o.write(regionTable(batLength));
      o.skipTo(BAT); // the log stays zero; the metadata is written last (page 83 id)
      o.write(bat);
      o.skipTo(BAT + batLength);
      ChunkReader reader = new ChunkReader(disk);
      for (long b = 0; b < blocks; b++) {
        if (disk.hasData(b * BLOCK, BLOCK)) {
          reader.copy(b * BLOCK, BLOCK, o);
        }
      }
      o.finish();
      o.patch(METADATA, metadata(disk.size(), reader.uuid("vhdx-page83")));
      UUID fileWrite = reader.uuid("vhdx-file-write");
      UUID dataWrite = reader.uuid("vhdx-data-write");
      // Two valid headers; readers use the one with the higher sequence number.
      o.patch(HEADER_1, header(1, fileWrite, dataWrite));
      o.patch(HEADER_2, header(2, fileWrite, dataWrite));
    }
  }

  private static ByteBuffer fileIdentifier() {
    ByteBuffer f = Bytes.le(KIB);
    Bytes.putAscii(f, 0, "vhdxfile");
    f.position(8);
    f.put("oci2vm".getBytes(StandardCharsets.UTF_16LE)); // creator, informational
    return f.clear();
  }

  private static ByteBuffer header(long sequence, UUID fileWrite, UUID dataWrite) {
    ByteBuffer h = Bytes.le(4 * KIB);
    Bytes.putAscii(h, 0, "head");
    h.putLong(8, sequence);
    Bytes.putGuid(h, 16, fileWrite);
    Bytes.putGuid(h, 32, dataWrite);
    // 48: LogGuid all zero = the log is empty and must not be replayed.
    h.putShort(64, (short) 0); // log version
    h.putShort(66, (short) 1); // version
    h.putInt(68, MIB); // log length
    h.putLong(72, LOG);
    h.putInt(4, crc(h));
    return h;
  }

  private static ByteBuffer regionTable(long batLength) {
    ByteBuffer r = Bytes.le(64 * KIB);
    Bytes.putAscii(r, 0, "regi");
    r.putInt(8, 2);
    region(r, 16, BAT_REGION, BAT, batLength);
    region(r, 48, METADATA_REGION, METADATA, MIB);
    r.putInt(4, crc(r));
    return r;
  }

  private static void region(ByteBuffer r, int at, UUID id, long offset, long length) {
    Bytes.putGuid(r, at, id);
    r.putLong(at + 16, offset);
    r.putInt(at + 24, (int) length);
    r.putInt(at + 28, 1); // required: a reader that does not know it must refuse the file
  }

  /** The metadata table (at the region start) and its items (from 64 KiB, as the spec demands). */
  private static ByteBuffer metadata(long size, UUID page83) {
    ByteBuffer m = Bytes.le(64 * KIB + 64);
    Bytes.putAscii(m, 0, "metadata");
    m.putShort(10, (short) 5);
    int item = 64 * KIB;
    item(m, 0, FILE_PARAMETERS, item, 8, META_IS_REQUIRED);
    m.putInt(item, BLOCK);
    m.putInt(item + 4, 0); // neither LeaveBlocksAllocated (dynamic) nor HasParent
    item(m, 1, VIRTUAL_DISK_SIZE, item + 8, 8, META_IS_REQUIRED | META_IS_VIRTUAL_DISK);
    m.putLong(item + 8, size);
    item(m, 2, PAGE_83, item + 16, 16, META_IS_REQUIRED | META_IS_VIRTUAL_DISK);
    Bytes.putGuid(m, item + 16, page83);
    item(m, 3, LOGICAL_SECTOR_SIZE, item + 32, 4, META_IS_REQUIRED | META_IS_VIRTUAL_DISK);
    m.putInt(item + 32, LOGICAL_SECTOR);
    item(m, 4, PHYSICAL_SECTOR_SIZE, item + 36, 4, META_IS_REQUIRED | META_IS_VIRTUAL_DISK);
    m.putInt(item + 36, PHYSICAL_SECTOR);
    return m;
  }

  private static void item(ByteBuffer m, int index, UUID id, int offset, int length, int flags) {
    int at = 32 + index * 32;
    Bytes.putGuid(m, at, id);
    m.putInt(at + 16, offset);
    m.putInt(at + 20, length);
    m.putInt(at + 24, flags);
  }

  /** CRC-32C over the whole structure, computed with its checksum field (offset 4) zero. */
  private static int crc(ByteBuffer b) {
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, b.capacity());
    return (int) crc.getValue();
  }
}
