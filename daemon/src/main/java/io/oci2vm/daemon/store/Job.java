package io.oci2vm.daemon.store;

import java.time.Instant;
import java.util.List;

/**
 * A conversion job as stored.
 *
 * @param id the job's id (URL-safe, sortable by creation time)
 * @param state where it is
 * @param request what was asked for
 * @param trigger who asked: "api", or "hook:SOURCE" for a webhook
 * @param imageDigest the manifest digest, once resolved
 * @param dedupeKey digest plus canonical options, once resolved; equal keys mean equal results
 * @param sharedWith the id of the job whose artifacts this one shares, or null
 * @param created when it was submitted
 * @param updated when it last changed
 * @param attempts how many times a worker started it
 * @param cancelRequested whether a cancel arrived while it was running
 * @param errorCode for FAILED: the ErrorCode name (or INTERRUPTED, INTERNAL)
 * @param errorMessage for FAILED: what went wrong
 * @param artifacts for SUCCEEDED: what it produced (empty when the files were deleted)
 */
public record Job(
    String id,
    JobState state,
    JobRequest request,
    String trigger,
    String imageDigest,
    String dedupeKey,
    String sharedWith,
    Instant created,
    Instant updated,
    int attempts,
    boolean cancelRequested,
    String errorCode,
    String errorMessage,
    List<Artifact> artifacts) {
  /** Copies the list. */
  public Job {
    artifacts = artifacts == null ? List.of() : List.copyOf(artifacts);
  }
}
