package io.oci2vm.daemon.store;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Durable job records. Every state change is a single conditional update, so two workers (or two
 * daemons sharing a PostgreSQL database later) can never both run a job. Implementations are
 * thread-safe and blocking: call them from worker threads, never from an event loop.
 */
public interface JobStore extends AutoCloseable {
  /** A page of jobs, newest first, and the cursor for the next page (null at the end). */
  record Page(List<Job> jobs, String next) {}

  /**
   * Filters for {@link #list}; null fields match everything.
   *
   * @param states only these states
   * @param image only jobs whose image contains this text
   * @param trigger only jobs with exactly this trigger
   * @param limit at most this many (1-500)
   * @param after the cursor from the previous page
   */
  record Query(Set<JobState> states, String image, String trigger, int limit, String after) {}

  /** Stores a new QUEUED job. */
  Job create(JobRequest request, String trigger);

  Optional<Job> get(String id);

  Page list(Query query);

  /** QUEUED to RUNNING, counting an attempt; false if the job was not QUEUED. */
  boolean start(String id);

  /** Records the resolved image digest and dedupe key of a RUNNING job. */
  void resolved(String id, String imageDigest, String dedupeKey);

  /**
   * The newest other job with this dedupe key that SUCCEEDED (with artifacts not deleted) or is
   * RUNNING, if any.
   */
  Optional<Job> findByKey(String dedupeKey, String excludeId);

  /**
   * RUNNING to SUCCEEDED with its artifacts (or sharing {@code sharedWith}'s); false if not
   * RUNNING.
   */
  boolean succeed(String id, List<Artifact> artifacts, String sharedWith);

  /** RUNNING (or QUEUED) to FAILED; false if already terminal. */
  boolean fail(String id, String errorCode, String errorMessage);

  /**
   * Cancels: QUEUED becomes CANCELLED at once; RUNNING gets {@code cancelRequested} (the worker
   * stops and then calls {@link #cancelled}). False if the job is unknown or already terminal.
   */
  boolean cancel(String id);

  /** RUNNING to CANCELLED, by the worker that saw the request; false if not RUNNING. */
  boolean cancelled(String id);

  /**
   * After a crash or restart: RUNNING jobs go back to QUEUED while they have had fewer than {@code
   * maxAttempts} attempts, else to FAILED with code INTERRUPTED. Returns every QUEUED job, oldest
   * first, for the workers.
   */
  List<Job> recover(int maxAttempts);

  /** Forgets a SUCCEEDED job's artifacts (they were deleted or evicted). */
  void artifactsDeleted(String id);

  /** How many jobs are in each state. */
  Map<JobState, Long> counts();

  @Override
  void close();
}
