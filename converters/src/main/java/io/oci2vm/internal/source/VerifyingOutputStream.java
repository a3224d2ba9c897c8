package io.oci2vm.internal.source;

import io.oci2vm.Descriptor;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.function.LongConsumer;

/** Verifies a blob while a store pushes it; {@link #finish()} runs the final checks. */
final class VerifyingOutputStream extends FilterOutputStream {
  private final BlobVerifier verifier;
  private final LongConsumer progress;

  VerifyingOutputStream(
      OutputStream out, Descriptor descriptor, String where, LongConsumer progress) {
    super(out);
    this.verifier = new BlobVerifier(descriptor, where);
    this.progress = progress;
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    verifier.update(b, off, len);
    out.write(b, off, len);
    progress.accept(verifier.count());
  }

  long count() {
    return verifier.count();
  }

  void finish() {
    verifier.finish();
  }
}
