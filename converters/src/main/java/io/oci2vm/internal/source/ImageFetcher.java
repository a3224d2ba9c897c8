package io.oci2vm.internal.source;

import io.oci2vm.Descriptor;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Raw access to one image store (a registry, an OCI layout, a docker-archive). Fetchers do no
 * verification and no caching: {@link ImagePuller} checks every digest and size, enforces limits
 * and caches, so each store only has to say how to read bytes.
 */
public interface ImageFetcher extends Closeable {
  /** A short description for messages, e.g. {@code registry 127.0.0.1:5000/app:v1}. */
  String describe();

  /**
   * The manifest or index the source's reference names (a tag, a digest or the only image in a
   * layout).
   */
  FetchedManifest fetchRootManifest() throws IOException;

  /**
   * The descriptor that names the root manifest when the store has one (an OCI layout's index.json
   * entry), so its digest and size can be checked; null otherwise.
   */
  default Descriptor rootDescriptor() {
    return null;
  }

  /** A manifest named by an index entry. */
  FetchedManifest fetchManifest(Descriptor descriptor) throws IOException;

  /**
   * Opens the blob's bytes as stored (compressed layers stay compressed). The caller reads it once,
   * hashing and counting as it goes.
   */
  InputStream openBlob(Descriptor descriptor) throws IOException;

  /**
   * Writes the blob's bytes as stored into {@code out}. Remote stores whose client pushes bytes
   * (jib's {@code Blob.writeTo}) override this; {@code out} may throw to stop a blob that runs past
   * its declared size.
   */
  default void writeBlob(Descriptor descriptor, OutputStream out) throws IOException {
    try (InputStream in = openBlob(descriptor)) {
      in.transferTo(out);
    }
  }

  /**
   * Whether blobs come over the network, so that they are worth copying into the blob cache before
   * use. Local archives are read in place.
   */
  boolean isRemote();

  @Override
  default void close() throws IOException {}
}
