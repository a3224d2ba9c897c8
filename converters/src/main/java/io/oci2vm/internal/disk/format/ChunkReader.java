package io.oci2vm.internal.disk.format;

import io.oci2vm.internal.disk.DiskImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.UUID;

/**
 * Reads a disk's data chunks in order for a writer and hashes them on the way, so that the ids a
 * format needs (VHD unique id, VHDX page 83 id, VDI UUIDs, VMDK CID) are derived from the content:
 * the same disk always gets the same ids, and different disks get different ones. (A fixed
 * namespace plus the size alone would give every same-sized image the same UUID, and VirtualBox
 * refuses to register a second disk with a UUID it already knows.)
 */
final class ChunkReader {
  private final DiskImage disk;
  private final byte[] buf = new byte[DiskImage.CHUNK];
  private final MessageDigest sha;
  private byte[] digest;

  ChunkReader(DiskImage disk) {
    this.disk = disk;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
    putLong(disk.size());
  }

  DiskImage disk() {
    return disk;
  }

  /**
   * Reads data chunk {@code chunk} into a shared buffer, zero-padded to a full chunk past the end
   * of the disk. Each data chunk must be read once, in ascending order, for the ids to be stable.
   */
  byte[] read(long chunk) throws IOException {
    long offset = chunk * DiskImage.CHUNK;
    int len = (int) Math.min(DiskImage.CHUNK, disk.size() - offset);
    disk.read(offset, buf, 0, len);
    Arrays.fill(buf, len, buf.length, (byte) 0);
    putLong(chunk);
    sha.update(buf);
    return buf;
  }

  /**
   * Copies [{@code offset}, {@code offset + length}) of the disk to {@code out} a chunk at a time,
   * skipping zero chunks (and anything past the end of the disk) so they stay holes. {@code offset}
   * must be chunk-aligned.
   */
  void copy(long offset, long length, FormatOutput out) throws IOException {
    long end = offset + length;
    for (long pos = offset; pos < end; pos += DiskImage.CHUNK) {
      int n = (int) Math.min(DiskImage.CHUNK, end - pos);
      long chunk = pos / DiskImage.CHUNK;
      if (pos >= disk.size() || disk.isZero(chunk)) {
        out.skip(n);
      } else {
        out.write(read(chunk), 0, n);
      }
    }
  }

  /** A UUID derived from everything read so far and {@code purpose}; call after the pass. */
  UUID uuid(String purpose) {
    if (digest == null) {
      digest = sha.digest();
    }
    byte[] name = Arrays.copyOf(digest, digest.length + purpose.length());
    byte[] p = purpose.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(p, 0, name, digest.length, p.length);
    return UUID.nameUUIDFromBytes(name);
  }

  private void putLong(long v) {
    for (int i = 56; i >= 0; i -= 8) {
      sha.update((byte) (v >>> i));
    }
  }
}
