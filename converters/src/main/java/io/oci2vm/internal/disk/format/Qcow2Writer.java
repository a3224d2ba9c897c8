package io.oci2vm.internal.disk.format;

import io.oci2vm.internal.disk.DiskImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.BitSet;

/**
 * QEMU qcow2 version 3 (docs/interop/qcow2.txt): 64 KiB clusters, 16-bit refcounts, no compression,
 * no backing file. Layout, all computed before the first byte is written: header cluster, L1 table,
 * refcount table, refcount blocks, the L2 tables that map any data, then the data clusters in disk
 * order. A cluster is exactly one {@link DiskImage#CHUNK}, so the zero map is the allocation map.
 */
final class Qcow2Writer implements FormatWriter {
  private static final int CLUSTER_BITS = 16;
  private static final int CLUSTER = 1 << CLUSTER_BITS;

  /** 8-byte L2 entries: one L2 table maps 8192 clusters = 512 MiB. */
  private static final int L2_ENTRIES = CLUSTER / 8;

  /** refcount_order 4: 16-bit refcounts, 32768 per refcount block (2 GiB of file). */
  private static final int REFCOUNTS_PER_BLOCK = CLUSTER / 2;

  /** Refcount table entries are 8 bytes. */
  private static final int REFTABLE_ENTRIES_PER_CLUSTER = CLUSTER / 8;

  /**
   * QCOW_OFLAG_COPIED: refcount is exactly 1, so the entry may be written in place. qemu-img check
   * reports an error for an entry whose flag disagrees with its refcount.
   */
  private static final long COPIED = 1L << 63;

  static {
    if (CLUSTER != DiskImage.CHUNK) {
      throw new AssertionError("a qcow2 cluster must be one zero-map chunk");
    }
  }

  @Override
  public void write(DiskImage disk, Path out) throws IOException {
    BitSet data = disk.dataChunks();
    long diskClusters = disk.chunks();
    int l1Size = (int) Bytes.ceilDiv(diskClusters, L2_ENTRIES);
    long l1Clusters = Bytes.ceilDiv(l1Size * 8L, CLUSTER);
    BitSet l2Present = new BitSet();
    for (int i = 0; i < l1Size; i++) {
      if (disk.hasData((long) i * L2_ENTRIES * CLUSTER, (long) L2_ENTRIES * CLUSTER)) {
        l2Present.set(i);
      }
    }
    long fixed = 1 + l1Clusters + l2Present.cardinality() + data.cardinality();
    // The refcount structures count themselves: iterate until their size stops growing.
    long tableClusters = 1;
    long blocks = 0;
    while (true) {
      long total = fixed + tableClusters + blocks;
      long needBlocks = Bytes.ceilDiv(total, REFCOUNTS_PER_BLOCK);
      long needTable = Math.max(1, Bytes.ceilDiv(needBlocks, REFTABLE_ENTRIES_PER_CLUSTER));
      if (needBlocks == blocks && needTable == tableClusters) {
        break;
      }
      blocks = needBlocks;
      tableClusters = needTable;
    }
    long total = fixed + tableClusters + blocks;
    long l1Offset = CLUSTER;
    long tableOffset = l1Offset + l1Clusters * CLUSTER;
    long blocksOffset = tableOffset + tableClusters * CLUSTER;
    long l2Offset = blocksOffset + blocks * CLUSTER;
    long dataOffset = l2Offset + (long) l2Present.cardinality() * CLUSTER;

    try (FormatOutput o = FormatOutput.create(out)) {
      o.write(header(disk.size(), l1Size, l1Offset, tableOffset, tableClusters));
      o.skipTo(l1Offset);

      ByteBuffer l1 = Bytes.be((int) (l1Clusters * CLUSTER));
      int rank = 0;
      for (int i = l2Present.nextSetBit(0); i >= 0; i = l2Present.nextSetBit(i + 1)) {
        l1.putLong(i * 8, (l2Offset + (long) rank++ * CLUSTER) | COPIED);
      }
      o.write(l1);

      ByteBuffer table = Bytes.be((int) (tableClusters * CLUSTER));
      for (int b = 0; b < blocks; b++) {
        table.putLong(b * 8, blocksOffset + (long) b * CLUSTER);
      }
      o.write(table);

      ByteBuffer block = Bytes.be(CLUSTER);
      for (long b = 0; b < blocks; b++) {
        block.clear();
        for (int e = 0; e < REFCOUNTS_PER_BLOCK; e++) {
          long cluster = b * REFCOUNTS_PER_BLOCK + e;
          block.putShort(e * 2, (short) (cluster < total ? 1 : 0));
        }
        o.write(block);
      }

      ByteBuffer l2 = Bytes.be(CLUSTER);
      long dataRank = 0;
      for (int i = l2Present.nextSetBit(0); i >= 0; i = l2Present.nextSetBit(i + 1)) {
        l2.clear();
        for (int e = 0; e < L2_ENTRIES; e++) {
          long c = (long) i * L2_ENTRIES + e;
          long entry = 0;
          if (c < diskClusters && data.get((int) c)) {
            entry = (dataOffset + dataRank++ * CLUSTER) | COPIED;
          }
          l2.putLong(e * 8, entry);
        }
        o.write(l2);
      }

      ChunkReader reader = new ChunkReader(disk);
      for (int c = data.nextSetBit(0); c >= 0; c = data.nextSetBit(c + 1)) {
        o.write(reader.read(c), 0, CLUSTER);
      }
      o.finish();
    }
  }

  private static ByteBuffer header(
      long size, int l1Size, long l1Offset, long tableOffset, long tableClusters) {
    ByteBuffer h = Bytes.be(112);
    h.putInt(0, 0x514649fb); // "QFI\xfb"
    h.putInt(4, 3);
    // 8: no backing file (offset and size 0)
    h.putInt(20, CLUSTER_BITS);
    h.putLong(24, size);
    // 32: crypt_method 0
    h.putInt(36, l1Size);
    h.putLong(40, l1Offset);
    h.putLong(48, tableOffset);
    h.putInt(56, (int) tableClusters);
    // 60: no snapshots; 72..95: no incompatible, compatible or autoclear features
    h.putInt(96, 4); // refcount_order: 16-bit refcounts
    h.putInt(100, 104); // header_length of a v3 header without the compression_type byte
    // 104: the header extension list is ended at once by an end-of-extensions (type 0) entry.
    return h;
  }
}
