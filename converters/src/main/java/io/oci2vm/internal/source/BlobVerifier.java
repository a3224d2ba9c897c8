package io.oci2vm.internal.source;

import io.oci2vm.Descriptor;
import io.oci2vm.Digest;
import io.oci2vm.ErrorCode;
import io.oci2vm.Oci2vmException;
import java.security.MessageDigest;

/**
 * Checks a blob's bytes against its descriptor as they pass: more bytes than declared fail at once
 * (a hostile blob cannot stream forever), and {@link #finish()} fails a short blob or a wrong hash.
 */
final class BlobVerifier {
  private final Descriptor descriptor;
  private final String where;
  private final MessageDigest sha = Digest.newSha256();
  private long count;
  private boolean finished;

  BlobVerifier(Descriptor descriptor, String where) {
    this.descriptor = descriptor;
    this.where = where;
  }

  void update(byte[] b, int off, int n) {
    count += n;
    if (count > descriptor.size()) {
      throw new Oci2vmException(
          ErrorCode.SIZE_MISMATCH,
          "blob "
              + descriptor.digest()
              + " from "
              + where
              + " is longer than its declared "
              + descriptor.size()
              + " bytes");
    }
    sha.update(b, off, n);
  }

  long count() {
    return count;
  }

  void finish() {
    if (finished) {
      return;
    }
    if (count < descriptor.size()) {
      throw new Oci2vmException(
          ErrorCode.TRUNCATED_BLOB,
          "blob "
              + descriptor.digest()
              + " from "
              + where
              + " ended after "
              + count
              + " of "
              + descriptor.size()
              + " bytes; the download or file is truncated, try again");
    }
    Digest actual = Digest.fromBytes(sha.digest());
    if (!actual.equals(descriptor.digest())) {
      throw new Oci2vmException(
          ErrorCode.DIGEST_MISMATCH,
          "blob from "
              + where
              + " should have digest "
              + descriptor.digest()
              + " but has "
              + actual);
    }
    finished = true;
  }
}
