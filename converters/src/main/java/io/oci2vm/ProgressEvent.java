package io.oci2vm;

/**
 * What a conversion reports as it goes. The command line draws progress from these; the daemon will
 * stream them as Server-Sent Events.
 */
public sealed interface ProgressEvent {

  /** A stage started or a notable step happened. */
  record Step(String stage, String message) implements ProgressEvent {}

  /** Bytes of one layer processed in a phase; {@code total} is -1 when unknown. */
  record LayerProgress(Digest layer, Phase phase, long done, long total) implements ProgressEvent {}

  /** What is happening to a layer. */
  enum Phase {
    /** Bytes coming from a registry into the blob cache. */
    DOWNLOADING,
    /** Compressed bytes read and unpacked into the layer cache. */
    EXTRACTING,
    /** The layer was already in the cache. */
    CACHED,
    /** The layer is ready. */
    DONE
  }
}
