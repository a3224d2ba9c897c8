package io.oci2vm.internal.disk.format;

import io.oci2vm.DiskFormat;
import java.util.Objects;

/** The {@link FormatWriter} for each {@link DiskFormat}. */
public final class FormatWriters {
  private FormatWriters() {}

  /**
   * The writer for {@code format}. {@code ovf} is used only by {@link DiskFormat#OVA} and may be
   * null for the other formats.
   */
  public static FormatWriter of(DiskFormat format, OvfSettings ovf) {
    Objects.requireNonNull(format, "format was not specified");
    switch (format) {
      case RAW:
        return new RawWriter();
      case QCOW2:
        return new Qcow2Writer();
      case VMDK:
        return new VmdkSparseWriter();
      case VMDK_STREAM:
        return new VmdkStreamWriter();
      case VHD:
        return new VhdFixedWriter();
      case VHD_DYNAMIC:
        return new VhdDynamicWriter();
      case VHDX:
        return new VhdxWriter();
      case VDI:
        return new VdiWriter();
      case OVA:
        return new OvaWriter(Objects.requireNonNull(ovf, "ovf settings were not specified"));
      default:
        throw new IllegalArgumentException("no writer for " + format);
    }
  }
}
