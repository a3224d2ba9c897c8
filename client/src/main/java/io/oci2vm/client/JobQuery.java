package io.oci2vm.client;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * Which jobs {@link Oci2vmClient#list} returns. Immutable: start from {@link #all()} and narrow,
 * e.g. {@code JobQuery.all().states(JobState.FAILED).image("nginx").limit(20)}.
 *
 * @param states the states to include; empty for all
 * @param image a substring the job's image must contain, or null
 * @param trigger the exact trigger ({@code api}, {@code hook:github}, ...), or null
 * @param limit the page size, 1 to 500; 0 for the daemon's default (50)
 * @param after the cursor from the previous page's {@link JobPage#next()}, or null for the first
 */
public record JobQuery(
    Set<JobState> states, String image, String trigger, int limit, String after) {
  /** The most the daemon returns in one page. */
  public static final int MAX_LIMIT = 500;

  /** Checks the limit and copies the set. */
  public JobQuery {
    states = states == null || states.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(states));
    if (limit < 0 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException(
          "limit must be 1-" + MAX_LIMIT + " (or 0 for the default)");
    }
  }

  /** Every job, newest first, in pages of the daemon's default size. */
  public static JobQuery all() {
    return new JobQuery(Set.of(), null, null, 0, null);
  }

  /** Only jobs in one of {@code states}; none given means all. */
  public JobQuery states(JobState... states) {
    Objects.requireNonNull(states, "states was not specified");
    return new JobQuery(Set.copyOf(Arrays.asList(states)), image, trigger, limit, after);
  }

  /** Only jobs whose image contains {@code image}. */
  public JobQuery image(String image) {
    return new JobQuery(states, image, trigger, limit, after);
  }

  /** Only jobs with this trigger: {@code api} or {@code hook:SOURCE}. */
  public JobQuery trigger(String trigger) {
    return new JobQuery(states, image, trigger, limit, after);
  }

  /** At most {@code limit} jobs per page (1 to 500). */
  public JobQuery limit(int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be 1-" + MAX_LIMIT);
    }
    return new JobQuery(states, image, trigger, limit, after);
  }

  /** The page after the one whose {@link JobPage#next()} is {@code cursor}. */
  public JobQuery after(String cursor) {
    return new JobQuery(states, image, trigger, limit, cursor);
  }
}
