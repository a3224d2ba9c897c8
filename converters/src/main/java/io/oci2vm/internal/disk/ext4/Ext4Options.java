package io.oci2vm.internal.disk.ext4;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.UUID;

/**
 * How to build an ext4 filesystem. Everything that would otherwise be random or taken from the
 * clock is given here, so the same tree and options always give the same bytes.
 *
 * @param uuid the filesystem UUID; the directory hash seed is derived from it
 * @param label the volume label, at most 16 bytes of UTF-8
 * @param timestamp seconds since the epoch recorded as creation, last-write and last-check time
 * @param extraInodes free inodes to leave for the running system on top of those the tree uses
 */
public record Ext4Options(UUID uuid, String label, long timestamp, long extraInodes) {
  /** Validates the options. */
  public Ext4Options {
    Objects.requireNonNull(uuid, "uuid was not specified");
    label = label == null ? "" : label;
    if (label.getBytes(StandardCharsets.UTF_8).length > 16) {
      throw new IllegalArgumentException("ext4 label is longer than 16 bytes: " + label);
    }
    if (extraInodes < 0) {
      throw new IllegalArgumentException("extraInodes is negative: " + extraInodes);
    }
  }
}
