package io.oci2vm.internal.disk.format;

import io.oci2vm.internal.disk.DiskImage;
import io.oci2vm.internal.disk.RawDisk;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Random;

/** Raw disks with patterned data in the places format writers get wrong. */
final class TestDisks {
  static final long MIB = 1 << 20;

  private TestDisks() {}

  /**
   * A disk of {@code size} bytes with random-looking data (fixed seed) in the first and last chunk,
   * across 1 MiB, 2 MiB, 32 MiB and 512 MiB boundaries (VDI/VHDX blocks, VHD blocks, vmdk grain
   * tables, qcow2 L2 tables) where the disk is big enough, a written all-zero chunk, and a few
   * whole chunks.
   */
  static DiskImage scattered(Path path, long size, long seed) throws IOException {
    Random random = new Random(seed);
    RawDisk disk = RawDisk.create(path, size);
    try (disk) {
      write(disk, random, 0, 4096);
      write(disk, random, size - 4096, 4096);
      for (long boundary : new long[] {MIB, 2 * MIB, 32 * MIB, 512 * MIB}) {
        if (boundary + 8192 < size - DiskImage.CHUNK) {
          write(disk, random, boundary - 1536, 3072);
        }
      }
      disk.write(size / 2 / 512 * 512, ByteBuffer.allocate(DiskImage.CHUNK)); // zeros
      long whole = Math.max(0, size / 3 / DiskImage.CHUNK * DiskImage.CHUNK);
      if (whole + 3 * DiskImage.CHUNK < size - DiskImage.CHUNK) {
        write(disk, random, whole, 3 * DiskImage.CHUNK);
      }
      write(disk, random, size - 3 * DiskImage.CHUNK + 512, 1024);
    }
    return DiskImage.of(disk);
  }

  /** A disk with only a few KiB of data. */
  static DiskImage mostlyEmpty(Path path, long size) throws IOException {
    Random random = new Random(7);
    RawDisk disk = RawDisk.create(path, size);
    try (disk) {
      write(disk, random, 0, 4096);
      write(disk, random, 100 * MIB, 4096);
      write(disk, random, size - 4096, 4096);
    }
    return DiskImage.of(disk);
  }

  private static void write(RawDisk disk, Random random, long offset, int length)
      throws IOException {
    byte[] b = new byte[length];
    random.nextBytes(b);
    disk.write(offset, ByteBuffer.wrap(b));
  }
}
