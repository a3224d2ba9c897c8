package io.oci2vm.daemon.store;

/** Where a conversion job is in its life. */
public enum JobState {
  /** Waiting for a worker. */
  QUEUED,
  /** A worker is converting it. */
  RUNNING,
  /** Done; its artifacts can be downloaded (or it shares another job's). */
  SUCCEEDED,
  /** Ended with an error code and message. */
  FAILED,
  /** Cancelled before it finished. */
  CANCELLED;

  /** Whether the job can change no more. */
  public boolean terminal() {
    return this == SUCCEEDED || this == FAILED || this == CANCELLED;
  }
}
