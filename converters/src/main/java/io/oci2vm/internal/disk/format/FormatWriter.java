package io.oci2vm.internal.disk.format;

import io.oci2vm.internal.disk.DiskImage;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Writes one container format from a finished raw disk, in one sequential pass over the disk's
 * data, allocating only the format's units that hold a non-zero chunk. The output is a function of
 * the disk's bytes (and, for OVA, the {@link OvfSettings}): writing twice gives identical files.
 */
public interface FormatWriter {
  /** Writes {@code disk} to {@code out}, creating or replacing it. */
  void write(DiskImage disk, Path out) throws IOException;
}
