package io.oci2vm;

/** Receives {@link ProgressEvent}s; called on the converting thread, so keep it quick. */
@FunctionalInterface
public interface ProgressListener {
  /** A listener that ignores everything. */
  ProgressListener NONE = event -> {};

  /** Called for each event. */
  void onEvent(ProgressEvent event);
}
