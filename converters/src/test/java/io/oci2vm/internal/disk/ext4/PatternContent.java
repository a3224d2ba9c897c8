package io.oci2vm.internal.disk.ext4;

import io.oci2vm.internal.disk.FsEntry;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.LongPredicate;

/**
 * Generated file content of any size without holding it: every 4 KiB block is a non-zero pattern
 * shifted by its block number, except the blocks {@code hole} picks, which are zeros.
 */
record PatternContent(long size, LongPredicate hole) implements FsEntry.Content {
  private static final byte[] PATTERN = new byte[8192 + 251];

  static {
    for (int i = 0; i < PATTERN.length; i++) {
      PATTERN[i] = (byte) ((i % 251) + 1);
    }
  }

  @Override
  public InputStream open() {
    return new InputStream() {
      private long pos;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (pos >= size) {
          return -1;
        }
        long block = pos / 4096;
        int inBlock = (int) (pos % 4096);
        int n = (int) Math.min(Math.min(len, 4096 - inBlock), size - pos);
        if (hole.test(block)) {
          java.util.Arrays.fill(b, off, off + n, (byte) 0);
        } else {
          System.arraycopy(PATTERN, (int) (block % 251) + inBlock, b, off, n);
        }
        pos += n;
        return n;
      }
    };
  }

  String sha256() throws IOException {
    return sha256(open());
  }

  static String sha256(InputStream in) throws IOException {
    try (in) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
