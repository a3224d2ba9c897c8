package io.oci2vm.internal.disk.format;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A file written front to back, where runs of zeros are skipped rather than written so that they
 * stay holes in the output; a header can be patched once the pass is done.
 */
final class FormatOutput implements Closeable {
  private final FileChannel channel;
  private long position;

  private FormatOutput(FileChannel channel) {
    this.channel = channel;
  }

  /** Creates or truncates {@code path}. */
  static FormatOutput create(Path path) throws IOException {
    return new FormatOutput(
        FileChannel.open(
            path,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE));
  }

  long position() {
    return position;
  }

  void write(ByteBuffer src) throws IOException {
    while (src.hasRemaining()) {
      position += channel.write(src, position);
    }
  }

  void write(byte[] b, int off, int len) throws IOException {
    write(ByteBuffer.wrap(b, off, len));
  }

  /** Moves on {@code n} bytes that read as zeros. */
  void skip(long n) {
    position += n;
  }

  /** Moves on to {@code target}, which must not be behind the current position. */
  void skipTo(long target) {
    if (target < position) {
      throw new IllegalStateException("cannot skip back from " + position + " to " + target);
    }
    position = target;
  }

  /** Writes {@code src} at {@code at} without moving the current position. */
  void patch(long at, ByteBuffer src) throws IOException {
    long p = at;
    while (src.hasRemaining()) {
      p += channel.write(src, p);
    }
  }

  /** Makes the file exactly as long as the current position (a trailing skip leaves it short). */
  void finish() throws IOException {
    if (channel.size() < position) {
      channel.write(ByteBuffer.allocate(1), position - 1);
    }
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
