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
