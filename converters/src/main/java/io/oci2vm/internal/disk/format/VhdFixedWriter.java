package io.oci2vm.internal.disk.format;

import io.oci2vm.internal.disk.DiskImage;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A fixed VHD: the disk's bytes followed by a footer. Zero chunks are skipped so the file stays
 * sparse on the host. Azure accepts only fixed VHDs whose virtual size is a whole number of MiB, so
 * other sizes are refused.
 */
final class VhdFixedWriter implements FormatWriter {
  private static final long MIB = 1 << 20;

  @Override
  public void write(DiskImage disk, Path out) throws IOException {
    if (disk.size() % MIB != 0) {
      throw new IllegalArgumentException(
          "a fixed VHD must be a whole number of MiB (Azure requires it); the disk is "
              + disk.size()
              + " bytes: size the disk in whole MiB");
    }
    try (FormatOutput o = FormatOutput.create(out)) {
      ChunkReader reader = new ChunkReader(disk);
      reader.copy(0, disk.size(), o);
      o.write(
          VhdFooter.encode(disk.size(), VhdFooter.TYPE_FIXED, -1, reader.uuid("vhd-unique-id")));
      o.finish();
    }
  }
}
