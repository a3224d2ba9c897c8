package io.oci2vm.internal.boot;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/** Streams pieces one after another, opening each only when the previous one is used up. */
final class PieceStream extends InputStream {
  /** Opens one piece. */
  @FunctionalInterface
  interface Piece {
    InputStream open() throws IOException;
  }

  private final List<Piece> pieces;
  private int next;
  private InputStream current;

  PieceStream(List<Piece> pieces) {
    this.pieces = List.copyOf(pieces);
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    while (true) {
      if (current == null) {
        if (next == pieces.size()) {
          return -1;
        }
        current = pieces.get(next++).open();
      }
      int n = current.read(b, off, len);
      if (n > 0) {
        return n;
      }
      if (n < 0) {
        current.close();
        current = null;
      }
    }
  }

  @Override
  public void close() throws IOException {
    if (current != null) {
      current.close();
      current = null;
    }
    next = pieces.size();
  }

  /**
   * Wraps {@code in} so that it must hold exactly {@code size} bytes: the section headers were
   * written for that size, so a short or long stream would leave a corrupt image.
   */
  static InputStream exactly(InputStream in, long size) {
    // A plain InputStream, not a FilterInputStream, so that skip() also goes through read().
    return new InputStream() {
      private long left = size;

      @Override
      public void close() throws IOException {
        in.close();
      }

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (left == 0) {
          if (in.read() >= 0) {
            throw new IOException("content is longer than its declared " + size + " bytes");
          }
          return -1;
        }
        int n = in.read(b, off, (int) Math.min(len, left));
        if (n < 0) {
          throw new EOFException(
              "content ended after " + (size - left) + " of its declared " + size + " bytes");
        }
        left -= n;
        return n;
      }
    };
  }
}
