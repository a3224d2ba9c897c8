package io.oci2vm;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The disk image formats oci2vm writes; every one holds the same GPT disk. */
public enum DiskFormat {
  /** A plain disk image, written sparse. */
  RAW("raw", "img"),
  /** QEMU copy-on-write v3, sparse. */
  QCOW2("qcow2", "qcow2"),
  /** VMware monolithicSparse. */
  VMDK("vmdk", "vmdk"),
  /** VMware streamOptimized (compressed grains), as inside an OVA. */
  VMDK_STREAM("vmdk-stream", "vmdk"),
  /** Fixed VHD: the raw disk plus a footer, sized to whole MiB as Azure requires. */
  VHD("vhd", "vhd"),
  /** Dynamic (sparse) VHD. */
  VHD_DYNAMIC("vhd-dynamic", "vhd"),
  /** Hyper-V VHDX, dynamic. */
  VHDX("vhdx", "vhdx"),
  /** VirtualBox VDI, dynamic. */
  VDI("vdi", "vdi"),
  /** An OVF descriptor plus a streamOptimized vmdk, in a tar. */
  OVA("ova", "ova");

  /** The largest disk oci2vm writes: ext4 without the 64bit feature holds 16 TiB. */
  public static final long MAX_DISK_BYTES = 16L << 40;

  private final String id;
  private final String extension;

  DiskFormat(String id, String extension) {
    this.id = id;
    this.extension = extension;
  }

  /** The name used on the command line and in the API ("qcow2", "vhd-dynamic"). */
  public String id() {
    return id;
  }

  /** The usual file name extension, without the dot. */
  public String extension() {
    return extension;
  }

  /**
   * The largest virtual disk this format holds: 2040 GiB for VHD (its CHS geometry and Azure's
   * limit), just under 2 TiB for vmdk (32-bit sector offsets), {@link #MAX_DISK_BYTES} otherwise.
   */
  public long maxBytes() {
    return switch (this) {
      case VHD, VHD_DYNAMIC -> 2040L << 30;
      case VMDK, VMDK_STREAM, OVA -> (2L << 40) - (1L << 20);
      default -> MAX_DISK_BYTES;
    };
  }

  /** Throws LIMIT_EXCEEDED when a disk of {@code bytes} does not fit this format. */
  public void checkFits(long bytes) {
    if (bytes > maxBytes()) {
      throw new Oci2vmException(
          ErrorCode.LIMIT_EXCEEDED,
          String.format(
              "%s holds disks up to %d GiB; this one would be %d GiB: pick a smaller --disk-size"
                  + " or another format",
              id, maxBytes() >> 30, (bytes + (1L << 30) - 1) >> 30));
    }
  }

  /** Parses a format name, case-insensitively. */
  public static DiskFormat parse(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    for (DiskFormat f : values()) {
      if (f.id.equals(n)) {
        return f;
      }
    }
    throw new Oci2vmException(
        ErrorCode.UNKNOWN_FORMAT,
        "unknown disk format '"
            + name
            + "'; known: "
            + Arrays.stream(values()).map(DiskFormat::id).collect(Collectors.joining(", ")));
  }

  @Override
  public String toString() {
    return id;
  }
}
