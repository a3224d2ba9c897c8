package io.oci2vm.client;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A conversion job as the daemon reports it.
 *
 * @param id the job's id
 * @param state where the job is
 * @param request what was asked for, with the daemon's defaults filled in
 * @param trigger {@code api}, or {@code hook:SOURCE} for jobs a registry webhook started
 * @param imageDigest the image's manifest digest once resolved, else null
 * @param sharedWith the job whose identical result this one shares, else null
 * @param created when the job was submitted
 * @param updated when it last changed
 * @param attempts how many times a worker started it (more than one after a daemon restart)
 * @param cancelRequested whether a cancel was asked for
 * @param artifacts the files made, empty until it succeeds (or after they were deleted)
 * @param error why it failed, else null
 */
public record Job(
    String id,
    JobState state,
    ConversionRequest request,
    String trigger,
    String imageDigest,
    String sharedWith,
    Instant created,
    Instant updated,
    int attempts,
    boolean cancelRequested,
    List<Artifact> artifacts,
    ErrorInfo error) {
  /** Checks the id and state and copies the list. */
  public Job {
    Objects.requireNonNull(id, "id was not specified");
    Objects.requireNonNull(state, "state was not specified");
    artifacts = artifacts == null ? List.of() : List.copyOf(artifacts);
  }

  /** Whether the job has finished and will not change again (but for its artifacts' deletion). */
  public boolean isTerminal() {
    return state.terminal();
  }

  /** The artifact called {@code name}, if the job has it. */
  public Optional<Artifact> artifact(String name) {
    Objects.requireNonNull(name, "name was not specified");
    return artifacts.stream().filter(a -> a.name().equals(name)).findFirst();
  }
}
