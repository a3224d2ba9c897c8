package io.oci2vm;

import java.util.Locale;
import java.util.Objects;

/**
 * How a disk image is laid out.
 *
 * @param boot which firmware it boots under (default {@link BootMode#HYBRID})
 * @param size the whole disk's size in bytes (rounded down to whole MiB, at most {@link
 *     DiskFormat#MAX_DISK_BYTES}), or 0 for the content plus headroom
 */
public record DiskOptions(BootMode boot, long size) {
  /** Hybrid boot, default size. */
  public static final DiskOptions DEFAULTS = new DiskOptions(BootMode.HYBRID, 0);

  /** Checks the values. */
  public DiskOptions {
    Objects.requireNonNull(boot, "boot was not specified");
    if (size < 0 || size > DiskFormat.MAX_DISK_BYTES) {
      throw new Oci2vmException(
          ErrorCode.BAD_OPTION,
          "disk size " + size + " is outside 0 (automatic) to 16 TiB (ext4 without 64bit)");
    }
  }

  /**
   * Parses a size like 512M, 2G, 1.5G or a plain number of bytes (K, M, G, T are powers of 1024).
   */
  public static long parseSize(String s) {
    String t = s.trim().toUpperCase(Locale.ROOT).replaceAll("I?B$", "");
    long unit = 1;
    if (!t.isEmpty() && "KMGT".indexOf(t.charAt(t.length() - 1)) >= 0) {
      unit = 1L << (10 * ("KMGT".indexOf(t.charAt(t.length() - 1)) + 1));
      t = t.substring(0, t.length() - 1);
    }
    try {
      double v = Double.parseDouble(t);
      if (v <= 0 || Double.isNaN(v) || v * unit > (double) DiskFormat.MAX_DISK_BYTES) {
        throw new NumberFormatException();
      }
      return (long) Math.ceil(v * unit);
    } catch (NumberFormatException e) {
      throw new Oci2vmException(
          ErrorCode.BAD_OPTION, "size '" + s + "' is not like 512M, 2G or 1.5G (at most 16T)");
    }
  }
}
