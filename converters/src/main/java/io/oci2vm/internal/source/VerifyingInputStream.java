package io.oci2vm.internal.source;

import io.oci2vm.Descriptor;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** Verifies a blob while it is read; end of stream runs the final checks. */
final class VerifyingInputStream extends FilterInputStream {
  private final BlobVerifier verifier;

  VerifyingInputStream(InputStream in, Descriptor descriptor, String where) {
    super(in);
    this.verifier = new BlobVerifier(descriptor, where);
  }

  long count() {
    return verifier.count();
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = super.read(b, off, len);
    if (n < 0) {
      verifier.finish();
      return -1;
    }
    verifier.update(b, off, n);
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    // Skipped bytes must still be hashed.
    byte[] buf = new byte[(int) Math.min(Math.max(n, 1), 1 << 16)];
    return Math.max(read(buf, 0, buf.length), 0);
  }

  /** Reads whatever is left (trailing bytes after a compressed stream) and verifies. */
  void drainAndVerify() throws IOException {
    byte[] buf = new byte[1 << 16];
    while (read(buf, 0, buf.length) >= 0) {
      // every byte counts towards the digest
    }
  }

  @Override
  public boolean markSupported() {
    return false;
  }
}
