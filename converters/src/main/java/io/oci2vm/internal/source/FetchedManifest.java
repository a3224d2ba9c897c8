package io.oci2vm.internal.source;

import io.oci2vm.Digest;
import java.util.Objects;

/**
 * A manifest or index as a store returned it.
 *
 * @param mediaType the media type the store declared (Content-Type, index descriptor), or null when
 *     it declared none; the JSON's own mediaType field is used then
 * @param bytes the JSON bytes
 * @param digest the sha256 of the bytes as received; the registry fetcher takes it from the wire,
 *     local fetchers compute it from {@code bytes}
 */
public record FetchedManifest(String mediaType, byte[] bytes, Digest digest) {
  /** Validates the parts. */
  public FetchedManifest {
    Objects.requireNonNull(bytes, "bytes was not specified");
    Objects.requireNonNull(digest, "digest was not specified");
  }

  /** A manifest read from local bytes, whose digest is computed here. */
  public static FetchedManifest local(String mediaType, byte[] bytes) {
    return new FetchedManifest(mediaType, bytes, Digest.of(bytes));
  }
}
