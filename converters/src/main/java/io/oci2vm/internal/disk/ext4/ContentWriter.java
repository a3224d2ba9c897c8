package io.oci2vm.internal.disk.ext4;

import io.oci2vm.internal.disk.BlockDevice;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Streams a regular file's content onto the disk once, in order, a chunk at a time. Blocks that are
 * all zeros get no disk block: they stay holes in the extent map.
 */
final class ContentWriter {
  private static final int CHUNK = 256 * Layout.BLOCK;

  private static final byte[] ZEROS = new byte[Layout.BLOCK];

  private final BlockDevice device;
  private final BlockAllocator alloc;
  private final byte[] buf = new byte[CHUNK];

  ContentWriter(BlockDevice device, BlockAllocator alloc) {
    this.device = device;
    this.alloc = alloc;
  }

  /**
   * Copies exactly {@code size} bytes of {@code in}, mapping the non-zero blocks in {@code tree}.
   *
   * @return the bytes written (the non-zero blocks' content)
   */
  long copy(InputStream in, long size, ExtentTree tree) throws IOException {
    long done = 0;
    long written = 0;
    while (done < size) {
      int want = (int) Math.min(CHUNK, size - done);
      int got = in.readNBytes(buf, 0, want);
      if (got < want) {
        throw new EOFException("file content ended after " + (done + got) + " of " + size);
      }
      long lblk = done / Layout.BLOCK;
      // Runs of blocks that are consecutive both here and on disk go out in one write.
      int runStart = -1;
      long runDisk = -1;
      int runLen = 0;
      for (int off = 0; off < got; off += Layout.BLOCK) {
        int len = Math.min(Layout.BLOCK, got - off);
        if (isZero(off, len)) {
          continue;
        }
        long pblk = alloc.allocate();
        tree.add(lblk + off / Layout.BLOCK, pblk);
        written += len;
        if (runLen > 0 && runStart + runLen == off && runDisk + runLen == pblk * Layout.BLOCK) {
          runLen += len;
        } else {
          flush(runStart, runDisk, runLen);
          runStart = off;
          runDisk = pblk * Layout.BLOCK;
          runLen = len;
        }
      }
      flush(runStart, runDisk, runLen);
      done += got;
    }
    return written;
  }

  private void flush(int start, long diskOffset, int len) throws IOException {
    if (len > 0) {
      device.write(diskOffset, ByteBuffer.wrap(buf, start, len));
    }
  }

  private boolean isZero(int off, int len) {
    return Arrays.mismatch(buf, off, off + len, ZEROS, 0, len) < 0;
  }
}
