package io.oci2vm.internal.disk;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;

/**
 * A raw disk being written: a sparse file of a fixed size plus a record of which {@link
 * DiskImage#CHUNK}-sized chunks were written, so that readers (the container formats) only look at
 * those. Not thread-safe.
 */
public final class RawDisk implements BlockDevice, Closeable {
  private static final int BLOCK = 4096;

  private final Path path;
  private final FileChannel channel;
  private final long size;
  private final BitSet written = new BitSet();

  private RawDisk(Path path, FileChannel channel, long size) {
    this.path = path;
    this.channel = channel;
    this.size = size;
  }

  /** Creates (or truncates) {@code path} as an all-zero sparse file of {@code size} bytes. */
  public static RawDisk create(Path path, long size) throws IOException {
    if (size <= 0 || size % 512 != 0) {
      throw new IllegalArgumentException("disk size must be a positive multiple of 512: " + size);
    }
    FileChannel ch =
        FileChannel.open(
            path,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.READ,
            StandardOpenOption.WRITE);
    try {
      // Setting the size by writing the last byte keeps the file sparse.
      ch.write(ByteBuffer.allocate(1), size - 1);
    } catch (IOException e) {
      ch.close();
      throw e;
    }
    return new RawDisk(path, ch, size);
  }

  public Path path() {
    return path;
  }

  @Override
  public long size() {
    return size;
  }

  @Override
  public void write(long offset, ByteBuffer src) throws IOException {
    int n = src.remaining();
    check(offset, n);
    long pos = offset;
    while (src.hasRemaining()) {
      pos += channel.write(src, pos);
    }
    mark(offset, n);
  }

  @Override
  public long copy(InputStream in, long offset, long length) throws IOException {
    check(offset, length);
    byte[] buf = new byte[1 << 20];
    long done = 0;
    long written = 0;
    while (done < length) {
      int want = (int) Math.min(buf.length, length - done);
      int got = in.readNBytes(buf, 0, want);
      if (got < want) {
        throw new EOFException("content ended after " + (done + got) + " of " + length + " bytes");
      }
      for (int b = 0; b < got; b += BLOCK) {
        int len = Math.min(BLOCK, got - b);
        if (!allZero(buf, b, len)) {
          write(offset + done + b, ByteBuffer.wrap(buf, b, len));
          written += len;
        }
      }
      done += got;
    }
    return written;
  }

  @Override
  public BlockDevice slice(long offset, long length) {
    return new Slice(this, offset, length);
  }

  /** Which chunks were written to (a copy). */
  public BitSet writtenChunks() {
    return (BitSet) written.clone();
  }

  /** Flushes to the storage device. */
  public void force() throws IOException {
    channel.force(false);
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }

  private void check(long offset, long length) {
    if (offset < 0 || length < 0 || offset + length > size) {
      throw new IndexOutOfBoundsException(
          "write of " + length + " bytes at " + offset + " is outside a disk of " + size);
    }
  }

  private void mark(long offset, long length) {
    if (length == 0) {
      return;
    }
    int first = (int) (offset / DiskImage.CHUNK);
    int last = (int) ((offset + length - 1) / DiskImage.CHUNK);
    written.set(first, last + 1);
  }

  static boolean allZero(byte[] b, int off, int len) {
    for (int i = off; i < off + len; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }

  /** A bounds-checked window onto a disk. */
  private static final class Slice implements BlockDevice {
    private final BlockDevice parent;
    private final long start;
    private final long length;

    Slice(BlockDevice parent, long start, long length) {
      if (start < 0 || length < 0 || start + length > parent.size()) {
        throw new IndexOutOfBoundsException(
            "slice " + start + "+" + length + " is outside a region of " + parent.size());
      }
      this.parent = parent;
      this.start = start;
      this.length = length;
    }

    @Override
    public long size() {
      return length;
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
      check(offset, src.remaining());
      parent.write(start + offset, src);
    }

    @Override
    public long copy(InputStream in, long offset, long len) throws IOException {
      check(offset, len);
      return parent.copy(in, start + offset, len);
    }

    @Override
    public BlockDevice slice(long offset, long len) {
      return new Slice(this, offset, len);
    }

    private void check(long offset, long len) {
      if (offset < 0 || len < 0 || offset + len > length) {
        throw new IndexOutOfBoundsException(
            "write of " + len + " bytes at " + offset + " is outside a region of " + length);
      }
    }
  }
}
