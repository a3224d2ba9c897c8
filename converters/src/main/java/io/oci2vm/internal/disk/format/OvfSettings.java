package io.oci2vm.internal.disk.format;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The virtual machine an OVA describes.
 *
 * @param name the VM name; also names the files inside the OVA, so it is limited to letters,
 *     digits, '.', '_' and '-' (at most 64 characters, not starting with '.')
 * @param cpus virtual CPUs, at least 1
 * @param memoryMiB memory in MiB, at least 1
 * @param uefi whether the VM boots with EFI firmware rather than BIOS
 * @param description a free-text annotation, or null for none
 */
public record OvfSettings(String name, int cpus, long memoryMiB, boolean uefi, String description) {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}");

  /** Validates the settings. */
  public OvfSettings {
    Objects.requireNonNull(name, "name was not specified");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "VM name '" + name + "' must be 1-64 letters, digits, '.', '_' or '-'");
    }
    if (cpus < 1) {
      throw new IllegalArgumentException("cpus must be at least 1: " + cpus);
    }
    if (memoryMiB < 1) {
      throw new IllegalArgumentException("memoryMiB must be at least 1: " + memoryMiB);
    }
  }
}
