package io.oci2vm.client;

/** Where a job is in its life: queued, running, then one of three terminal states. */
public enum JobState {
  /** Waiting for a worker. */
  QUEUED,
  /** A worker is converting the image. */
  RUNNING,
  /** Finished; its artifacts can be downloaded. */
  SUCCEEDED,
  /** Finished with an error; see {@link Job#error()}. */
  FAILED,
  /** Cancelled before it finished. */
  CANCELLED;

  /** Whether the job has finished and will not change state again. */
  public boolean terminal() {
    return this == SUCCEEDED || this == FAILED || this == CANCELLED;
  }
}
