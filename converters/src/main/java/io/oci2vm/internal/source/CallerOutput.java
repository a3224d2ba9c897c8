package io.oci2vm.internal.source;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * The caller's stream as handed to jib's {@code Blob.writeTo}. jib wraps whatever a write throws
 * and would close the stream when done; this marks the caller's own failures as {@link Failed}, so
 * {@link RegistryFetcher} rethrows them unchanged instead of blaming the registry, and leaves the
 * caller's stream open.
 */
final class CallerOutput extends FilterOutputStream {
  CallerOutput(OutputStream out) {
    super(out);
  }

  @Override
  public void write(int b) throws IOException {
    marked(() -> out.write(b));
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    marked(() -> out.write(b, off, len));
  }

  @Override
  public void flush() throws IOException {
    marked(out::flush);
  }

  /** Flushes only: the caller owns the stream. */
  @Override
  public void close() throws IOException {
    flush();
  }

  @FunctionalInterface
  private interface Write {
    void run() throws IOException;
  }

  private static void marked(Write write) throws Failed {
    try {
      write.run();
    } catch (IOException e) {
      throw new Failed(e);
    }
  }

  /** The caller's stream threw {@link #original()}. */
  static final class Failed extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient IOException original;

    Failed(IOException original) {
      super(original.getMessage(), original);
      this.original = original;
    }

    /** What the caller's stream threw. */
    IOException original() {
      return original;
    }
  }
}
