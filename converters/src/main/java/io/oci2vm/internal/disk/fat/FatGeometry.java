package io.oci2vm.internal.disk.fat;

/**
 * Where the parts of a FAT32 volume lie: 32 reserved sectors, two FATs, then the clusters.
 *
 * @param totalSectors the volume's size in 512-byte sectors
 * @param sectorsPerCluster a power of two from 1 to 64
 * @param fatSectors the size of one FAT in sectors
 * @param clusters how many data clusters there are (numbered from 2)
 */
record FatGeometry(long totalSectors, int sectorsPerCluster, long fatSectors, long clusters) {
  static final int SECTOR = 512;
  static final int RESERVED_SECTORS = 32;
  static final int FAT_COUNT = 2;

  /** Below this many clusters every FAT driver takes the volume for FAT16. */
  static final long MIN_CLUSTERS = 65525;

  /** Cluster numbers from 0x0FFFFFF7 up are markers, so this is the most a FAT32 can have. */
  static final long MAX_CLUSTERS = 0x0FFFFFF5L;

  /**
   * The layout for a volume of {@code totalSectors} with the given cluster size. The FAT is sized
   * with Microsoft's formula: just large enough to hold an entry for every cluster that remains.
   */
  static FatGeometry of(long totalSectors, int sectorsPerCluster) {
    long s = sectorsPerCluster;
    long rest = totalSectors - RESERVED_SECTORS;
    long fat = Math.max(1, ceilDiv(rest + 2 * s, 128 * s + FAT_COUNT));
    long clusters = Math.max(0, (rest - FAT_COUNT * fat) / s);
    return new FatGeometry(totalSectors, sectorsPerCluster, fat, clusters);
  }

  /** The cluster size Microsoft's format tool picks for a FAT32 volume of this size. */
  static int defaultSectorsPerCluster(long totalSectors) {
    if (totalSectors <= 532_480) {
      return 1; // up to 260 MB
    } else if (totalSectors <= 16_777_216) {
      return 8; // up to 8 GB
    } else if (totalSectors <= 33_554_432) {
      return 16;
    } else if (totalSectors <= 67_108_864) {
      return 32;
    }
    return 64;
  }

  /**
   * The fewest sectors for a volume with 512-byte clusters and at least {@code clusters} clusters:
   * the data area plus two FATs with an entry for each cluster plus the two reserved entries. No
   * smaller volume fits, because a FAT can never be smaller than that.
   */
  static long minimumSectors(long clusters) {
    return RESERVED_SECTORS + clusters + FAT_COUNT * ceilDiv(clusters + 2, 128);
  }

  /** Whether the cluster count is one that FAT drivers recognise as FAT32. */
  boolean isFat32() {
    return clusters >= MIN_CLUSTERS && clusters <= MAX_CLUSTERS;
  }

  int clusterBytes() {
    return sectorsPerCluster * SECTOR;
  }

  /** Byte offset of FAT number {@code index} (0 or 1). */
  long fatOffset(int index) {
    return (RESERVED_SECTORS + index * fatSectors) * SECTOR;
  }

  /** Byte offset of cluster {@code cluster} (2 is the first). */
  long clusterOffset(long cluster) {
    long dataStart = RESERVED_SECTORS + FAT_COUNT * fatSectors;
    return (dataStart + (cluster - 2) * sectorsPerCluster) * SECTOR;
  }

  static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }
}
