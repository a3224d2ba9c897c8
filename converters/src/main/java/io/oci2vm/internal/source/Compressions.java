package io.oci2vm.internal.source;

import io.oci2vm.MediaTypes.Compression;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.zstandard.ZstdCompressorInputStream;

/** Layer decompression, by media type or, for layers declared plain, by magic bytes. */
final class Compressions {
  static boolean isGzip(byte[] head) {
    return head.length >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b;
  }

  static boolean isZstd(byte[] head) {
    return head.length >= 4
        && (head[0] & 0xff) == 0x28
        && (head[1] & 0xff) == 0xb5
        && (head[2] & 0xff) == 0x2f
        && (head[3] & 0xff) == 0xfd;
  }

  static boolean isCompressed(byte[] head) {
    return isGzip(head) || isZstd(head);
  }

  /**
   * Wraps {@code in} to decompress it. Docker-archive layers are declared plain but are sometimes
   * gzip in practice (as Docker itself accepts), so a plain declaration is checked against the
   * magic bytes.
   */
  static InputStream decompress(InputStream in, Compression declared) throws IOException {
    BufferedInputStream buffered = new BufferedInputStream(in, 1 << 16);
    Compression actual = declared;
    if (declared == Compression.NONE) {
      buffered.mark(4);
      byte[] head = buffered.readNBytes(4);
      buffered.reset();
      actual = isGzip(head) ? Compression.GZIP : isZstd(head) ? Compression.ZSTD : Compression.NONE;
    }
    switch (actual) {
      case GZIP:
        return new GzipCompressorInputStream(buffered, true);
      case ZSTD:
        return new ZstdCompressorInputStream(buffered);
      default:
        return buffered;
    }
  }

  private Compressions() {}
}
