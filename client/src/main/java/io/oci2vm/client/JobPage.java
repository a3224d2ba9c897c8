package io.oci2vm.client;

import java.util.List;
import java.util.Objects;

/**
 * One page of a job listing, newest first.
 *
 * @param items the jobs on this page
 * @param next the cursor for the next page ({@link JobQuery#after(String)}), or null on the last
 */
public record JobPage(List<Job> items, String next) {
  /** Copies the list. */
  public JobPage {
    items = List.copyOf(Objects.requireNonNull(items, "items was not specified"));
  }

  /** Whether another page follows. */
  public boolean hasNext() {
    return next != null;
  }
}
