package io.oci2vm.internal.write;

import io.oci2vm.BootMode;
import io.oci2vm.ErrorCode;
import io.oci2vm.Oci2vmException;

/**
 * Where the partitions of an oci2vm disk go. GPT entry 1 is the ESP (GRUB's prefix names it), 2 the
 * ext4 root, 3 the BIOS boot partition holding GRUB's core image (BIOS and hybrid disks only).
 * Physically: GPT, BIOS boot at 1 MiB, ESP, root, and a last MiB for the backup GPT. Everything is
 * MiB-aligned, so the disk size is a whole number of MiB (Azure's fixed VHD needs that).
 *
 * @param diskBytes the whole disk
 * @param biosStart first byte of the BIOS boot partition (0 when there is none)
 * @param espStart first byte of the ESP
 * @param espBytes the ESP's size
 * @param rootStart first byte of the root partition
 * @param rootBytes the root partition's size
 */
public record DiskLayout(
    long diskBytes, long biosStart, long espStart, long espBytes, long rootStart, long rootBytes) {
  /** One MiB: the alignment of every partition. */
  public static final long MIB = 1 << 20;

  /** The BIOS boot partition's size; GRUB's core image is well under it. */
  public static final long BIOS_BYTES = MIB;

  /** The smallest ESP: room for a kernel update and what some firmware expects of FAT32. */
  public static final long MIN_ESP = 64 * MIB;

  /**
   * Lays out a disk.
   *
   * @param boot which firmware the disk boots under
   * @param espMin the least the ESP's FAT32 needs
   * @param rootMin the least the root's ext4 needs
   * @param requested the whole disk size asked for, or 0 for the default (content plus headroom)
   */
  public static DiskLayout plan(BootMode boot, long espMin, long rootMin, long requested) {
    long esp = Math.max(MIN_ESP, roundUp(espMin + espMin / 10 + 4 * MIB));
    long biosStart = boot.bios() ? MIB : 0;
    long espStart = boot.bios() ? 2 * MIB : MIB;
    long rootStart = espStart + esp;
    long minRoot = roundUp(rootMin);
    long minimum = rootStart + minRoot + MIB;
    long root;
    if (requested > 0) {
      if (requested < minimum) {
        throw new Oci2vmException(
            ErrorCode.DISK_TOO_SMALL,
            "a disk of "
                + human(requested)
                + " cannot hold this image: it needs at least "
                + (minimum / MIB)
                + " MiB ("
                + (esp / MIB)
                + " MiB boot partition, "
                + (minRoot / MIB)
                + " MiB root filesystem); pass a larger --disk-size or leave it out");
      }
      root = roundDown(requested) - rootStart - MIB;
    } else {
      // Headroom for what the app writes at run time: a quarter of the content, at least 64 MiB.
      root = roundUp(minRoot + Math.max(64 * MIB, minRoot / 4));
    }
    return new DiskLayout(rootStart + root + MIB, biosStart, espStart, esp, rootStart, root);
  }

  static long roundUp(long bytes) {
    return (bytes + MIB - 1) / MIB * MIB;
  }

  static long roundDown(long bytes) {
    return bytes / MIB * MIB;
  }

  private static String human(long bytes) {
    return bytes % MIB == 0 ? (bytes / MIB) + " MiB" : bytes + " bytes";
  }
}
