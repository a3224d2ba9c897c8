package io.oci2vm.internal.disk;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

/**
 * A region of a disk that a filesystem or partition-table writer fills with positional writes.
 * Offsets are relative to the region and bounds-checked. The region starts out all zeros (the
 * backing file is sparse), so writers never need to write zeros and should not: every block they
 * leave alone stays a hole in the raw file and unallocated in qcow2, vmdk, vhd, vhdx and vdi.
 */
public interface BlockDevice {
  /** The region's size in bytes. */
  long size();

  /** Writes all of {@code src}'s remaining bytes at {@code offset}. */
  void write(long offset, ByteBuffer src) throws IOException;

  /** Writes {@code bytes} at {@code offset}. */
  default void write(long offset, byte[] bytes) throws IOException {
    write(offset, ByteBuffer.wrap(bytes));
  }

  /**
   * Copies exactly {@code length} bytes from {@code in} to {@code offset}, skipping (leaving as
   * holes) every 4 KiB-aligned block that is all zeros.
   *
   * @return the bytes actually written (the non-zero blocks)
   * @throws java.io.EOFException if {@code in} ends before {@code length} bytes
   */
  long copy(InputStream in, long offset, long length) throws IOException;

  /** A sub-region from {@code offset} for {@code length} bytes. */
  BlockDevice slice(long offset, long length);
}
