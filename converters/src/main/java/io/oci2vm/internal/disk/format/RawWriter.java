package io.oci2vm.internal.disk.format;

import io.oci2vm.internal.disk.DiskImage;
import java.io.IOException;
import java.nio.file.Path;

/** A plain copy of the disk, with zero chunks left as holes. */
final class RawWriter implements FormatWriter {
  @Override
  public void write(DiskImage disk, Path out) throws IOException {
    try (FormatOutput o = FormatOutput.create(out)) {
      new ChunkReader(disk).copy(0, disk.size(), o);
      o.finish();
    }
  }
}
