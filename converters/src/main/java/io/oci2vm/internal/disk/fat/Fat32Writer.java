package io.oci2vm.internal.disk.fat;

import io.oci2vm.ErrorCode;
import io.oci2vm.Oci2vmException;
import io.oci2vm.internal.disk.BlockDevice;
import io.oci2vm.internal.disk.FsEntry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.stream.LongStream;

/**
 * Writes a tree of directories and regular files as a FAT32 filesystem (an EFI system partition)
 * straight onto a block device. Every file is one contiguous run of clusters; names that are not
 * plain upper-case 8.3 names get VFAT long names. The same input always gives the same bytes.
 */
public final class Fat32Writer {
  private static final int END_OF_CHAIN = 0x0FFFFFFF;
  private static final int MEDIA_ENTRY = 0x0FFFFFF8;
  private static final int FAT_CHUNK_ENTRIES = 256 * 1024; // 1 MiB of FAT at a time

  private Fat32Writer() {}

  /**
   * The smallest size in bytes (a multiple of 512) for a FAT32 volume holding this tree. FAT32
   * needs at least 65525 clusters, so with 512-byte clusters this is never below about 33 MiB.
   *
   * @throws IllegalArgumentException if the tree cannot be stored on FAT at all
   */
  public static long minimumSize(FsEntry root) {
    FatTree tree = FatTree.of(root, true);
    long clusters = Math.max(FatGeometry.MIN_CLUSTERS, tree.clustersNeeded(FatGeometry.SECTOR));
    return FatGeometry.minimumSectors(clusters) * FatGeometry.SECTOR;
  }

  /**
   * Writes the tree as a FAT32 volume filling {@code device}, whose bytes must all be zero.
   *
   * @param label the volume label, up to 11 characters (upper-cased); null or blank for none
   * @param volumeId the volume serial number
   * @param timestamp seconds since the epoch for the volume label entry; files and directories
   *     carry their own {@link FsEntry#mtime}
   * @throws Oci2vmException DISK_TOO_SMALL, before anything is written, if the tree does not fit
   * @throws IllegalArgumentException if the tree holds something other than regular files and
   *     directories, or a name FAT cannot store
   */
  public static void write(
      FsEntry root, BlockDevice device, String label, int volumeId, long timestamp)
      throws IOException {
    String labelKey = FatRecords.labelKey(label);
    FatTree tree = FatTree.of(root, labelKey != null);
    FatGeometry g = choose(tree, device.size(), root);
    long nextFree = tree.allocate(g.clusterBytes());

    writeDirectories(tree, g, device, labelKey, timestamp);
    writeFiles(tree.root, g, device);
    writeFats(tree.root, g, device, nextFree);
    ByteBuffer boot = FatRecords.bootSector(g, labelKey, volumeId);
    long free = g.clusters() - (nextFree - 2);
    // The hint is only a place to start looking; with no cluster left it is "unknown".
    ByteBuffer info = FatRecords.fsInfo(free, free == 0 ? 0xFFFFFFFFL : nextFree);
    device.write(0, boot.duplicate());
    device.write(FatGeometry.SECTOR, info.duplicate());
    device.write(6L * FatGeometry.SECTOR, boot);
    device.write(7L * FatGeometry.SECTOR, info);
  }

  /**
   * The geometry for this device: Microsoft's cluster size for the volume size, or a smaller one
   * when the larger clusters would waste too much to hold the tree.
   */
  private static FatGeometry choose(FatTree tree, long deviceBytes, FsEntry root) {
    long sectors = deviceBytes / FatGeometry.SECTOR;
    if (sectors > 0xFFFFFFFFL) {
      throw new IllegalArgumentException("a FAT32 volume is at most 2 TiB: " + deviceBytes);
    }
    for (int spc = FatGeometry.defaultSectorsPerCluster(sectors); spc >= 1; spc /= 2) {
      FatGeometry g = FatGeometry.of(sectors, spc);
      if (g.isFat32() && tree.clustersNeeded(g.clusterBytes()) <= g.clusters()) {
        return g;
      }
    }
    long min = minimumSize(root);
    throw new Oci2vmException(
        ErrorCode.DISK_TOO_SMALL,
        "the EFI system partition of "
            + deviceBytes
            + " bytes cannot hold its files as FAT32; it needs at least "
            + min
            + " bytes ("
            + FatGeometry.ceilDiv(min, 1 << 20)
            + " MiB): choose a larger disk");
  }

  private static void writeDirectories(
      FatTree tree, FatGeometry g, BlockDevice device, String labelKey, long timestamp)
      throws IOException {
    FatTree.Node root = tree.root;
    ByteBuffer dir = FatRecords.directory(root.slots(true, labelKey != null));
    if (labelKey != null) {
      FatRecords.putEntry(dir, labelKey, FatRecords.ATTR_VOLUME_ID, 0, 0, timestamp);
    }
    putChildren(dir, root);
    device.write(g.clusterOffset(root.firstCluster), dir.flip());
    for (FatTree.Node c : root.children) {
      writeDirectory(c, 0, g, device);
    }
  }

  /** Writes a subdirectory and everything under it; a parent of 0 means the root. */
  private static void writeDirectory(
      FatTree.Node node, long parentCluster, FatGeometry g, BlockDevice device) throws IOException {
    if (!node.isDirectory()) {
      return;
    }
    ByteBuffer dir = FatRecords.directory(node.slots(false, false));
    long mtime = node.entry.mtime();
    FatRecords.putEntry(dir, ".          ", FatRecords.ATTR_DIRECTORY, node.firstCluster, 0, mtime);
    FatRecords.putEntry(dir, "..         ", FatRecords.ATTR_DIRECTORY, parentCluster, 0, mtime);
    putChildren(dir, node);
    device.write(g.clusterOffset(node.firstCluster), dir.flip());
    for (FatTree.Node c : node.children) {
      writeDirectory(c, node.firstCluster, g, device);
    }
  }

  private static void putChildren(ByteBuffer dir, FatTree.Node parent) {
    for (FatTree.Node c : parent.children) {
      if (c.longName != null) {
        FatNames.putLongEntries(dir, c.longName, FatNames.checksum(FatNames.bytes(c.shortKey)));
      }
      int attributes = c.isDirectory() ? FatRecords.ATTR_DIRECTORY : FatRecords.ATTR_ARCHIVE;
      long size = c.isDirectory() ? 0 : c.entry.size();
      FatRecords.putEntry(dir, c.shortKey, attributes, c.firstCluster, size, c.entry.mtime());
    }
  }

  private static void writeFiles(FatTree.Node dir, FatGeometry g, BlockDevice device)
      throws IOException {
    for (FatTree.Node c : dir.children) {
      if (c.isDirectory()) {
        writeFiles(c, g, device);
      } else if (c.entry.size() > 0) {
        try (InputStream in = c.entry.open()) {
          device.copy(in, g.clusterOffset(c.firstCluster), c.entry.size());
          if (in.read() >= 0) {
            throw new IOException("content of " + c.entry.name() + " is longer than its size");
          }
        }
      }
    }
  }

  /**
   * Writes both FATs. Clusters were handed out contiguously from 2, so every entry below {@code
   * nextFree} points at the next cluster except where a file or directory ends, and every entry
   * from {@code nextFree} on stays zero (a hole). Written in chunks so a big volume's FAT is never
   * held whole.
   */
  private static void writeFats(FatTree.Node root, FatGeometry g, BlockDevice device, long nextFree)
      throws IOException {
    long[] ends = chainEnds(root).sorted().toArray();
    for (long first = 0; first < nextFree; first += FAT_CHUNK_ENTRIES) {
      int count = (int) Math.min(FAT_CHUNK_ENTRIES, nextFree - first);
      ByteBuffer chunk = ByteBuffer.allocate(count * 4).order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < count; i++) {
        long c = first + i;
        int value;
        if (c == 0) {
          value = MEDIA_ENTRY;
        } else if (c == 1) {
          value = END_OF_CHAIN; // also says: cleanly unmounted, no disk errors
        } else {
          value = Arrays.binarySearch(ends, c) >= 0 ? END_OF_CHAIN : (int) (c + 1);
        }
        chunk.putInt(i * 4, value);
      }
      for (int f = 0; f < FatGeometry.FAT_COUNT; f++) {
        device.write(g.fatOffset(f) + first * 4, chunk.duplicate());
      }
    }
  }

  /** The last cluster of every file and directory that has clusters. */
  private static LongStream chainEnds(FatTree.Node node) {
    LongStream own =
        node.clusterCount == 0
            ? LongStream.empty()
            : LongStream.of(node.firstCluster + node.clusterCount - 1);
    return LongStream.concat(own, node.children.stream().flatMapToLong(Fat32Writer::chainEnds));
  }
}
