package io.oci2vm.internal.disk;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;

/**
 * A finished raw disk, read by the container-format writers: its size and which {@link #CHUNK}
 * sized chunks hold any non-zero byte. Every format's allocation unit (qcow2 cluster, vmdk grain,
 * vhd/vhdx/vdi block) is a multiple of a chunk, so a format allocates exactly the units that
 * contain a non-zero chunk and stores nothing for the rest.
 */
public final class DiskImage implements Closeable {
  /** The granularity of the zero map: 64 KiB. */
  public static final int CHUNK = 64 * 1024;

  private final Path path;
  private final FileChannel channel;
  private final long size;
  private final BitSet data;

  private DiskImage(Path path, FileChannel channel, long size, BitSet data) {
    this.path = path;
    this.channel = channel;
    this.size = size;
    this.data = data;
  }

  /** Opens a raw disk file, reading all of it once to find the non-zero chunks. */
  public static DiskImage open(Path raw) throws IOException {
    FileChannel ch = FileChannel.open(raw, StandardOpenOption.READ);
    try {
      long size = ch.size();
      BitSet all = new BitSet();
      all.set(0, chunkCount(size));
      return new DiskImage(raw, ch, size, scan(ch, size, all));
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  /**
   * Opens a raw disk just written through {@code disk} (which must be closed or flushed), reading
   * only the chunks that were written to.
   */
  public static DiskImage of(RawDisk disk) throws IOException {
    FileChannel ch = FileChannel.open(disk.path(), StandardOpenOption.READ);
    try {
      return new DiskImage(
          disk.path(), ch, disk.size(), scan(ch, disk.size(), disk.writtenChunks()));
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  private static int chunkCount(long size) {
    return (int) ((size + CHUNK - 1) / CHUNK);
  }

  private static BitSet scan(FileChannel ch, long size, BitSet candidates) throws IOException {
    BitSet nonZero = new BitSet();
    byte[] buf = new byte[CHUNK];
    for (int c = candidates.nextSetBit(0);
        c >= 0 && c < chunkCount(size);
        c = candidates.nextSetBit(c + 1)) {
      int len = readChunk(ch, size, c, buf);
      if (!RawDisk.allZero(buf, 0, len)) {
        nonZero.set(c);
      }
    }
    return nonZero;
  }

  private static int readChunk(FileChannel ch, long size, long chunk, byte[] buf)
      throws IOException {
    long pos = chunk * CHUNK;
    int len = (int) Math.min(CHUNK, size - pos);
    ByteBuffer bb = ByteBuffer.wrap(buf, 0, len);
    while (bb.hasRemaining()) {
      int n = ch.read(bb, pos + bb.position());
      if (n < 0) {
        // Past the end of a short file: the rest reads as zeros.
        java.util.Arrays.fill(buf, bb.position(), len, (byte) 0);
        break;
      }
    }
    return len;
  }

  /** The raw file. */
  public Path path() {
    return path;
  }

  /** The virtual disk size in bytes (a multiple of 512). */
  public long size() {
    return size;
  }

  /** How many chunks the disk has (the last one may be short). */
  public long chunks() {
    return chunkCount(size);
  }

  /** Whether chunk {@code index} is all zeros. */
  public boolean isZero(long index) {
    return !data.get((int) index);
  }

  /** Whether any chunk in [{@code offset}, {@code offset + length}) holds data. */
  public boolean hasData(long offset, long length) {
    int first = (int) (offset / CHUNK);
    int next = data.nextSetBit(first);
    return next >= 0 && (long) next * CHUNK < offset + length;
  }

  /** The non-zero chunk indexes (a copy). */
  public BitSet dataChunks() {
    return (BitSet) data.clone();
  }

  /**
   * Reads {@code length} bytes at {@code offset} into {@code dst} from {@code dstOffset}; bytes
   * past the end of the disk read as zeros.
   */
  public void read(long offset, byte[] dst, int dstOffset, int length) throws IOException {
    ByteBuffer bb = ByteBuffer.wrap(dst, dstOffset, length);
    while (bb.hasRemaining()) {
      int n = channel.read(bb, offset + (bb.position() - dstOffset));
      if (n < 0) {
        java.util.Arrays.fill(dst, bb.position(), dstOffset + length, (byte) 0);
        break;
      }
    }
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
