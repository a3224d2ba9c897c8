package io.oci2vm;

import java.util.Locale;

/** How a disk image boots: UEFI (a UKI on the ESP), BIOS (GRUB), or both from one disk. */
public enum BootMode {
  UEFI,
  BIOS,
  /** Both: UEFI firmware finds the UKI, BIOS firmware runs GRUB. The default. */
  HYBRID;

  /** Parses uefi, bios or hybrid, case-insensitively. */
  public static BootMode parse(String s) {
    try {
      return valueOf(s.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new Oci2vmException(
          ErrorCode.BAD_OPTION, "boot mode '" + s + "' is not one of uefi, bios, hybrid");
    }
  }

  /** Whether UEFI firmware can boot such a disk. */
  public boolean uefi() {
    return this != BIOS;
  }

  /** Whether BIOS firmware can boot such a disk. */
  public boolean bios() {
    return this != UEFI;
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
