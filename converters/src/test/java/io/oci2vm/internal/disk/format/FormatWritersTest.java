package io.oci2vm.internal.disk.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.oci2vm.DiskFormat;
import io.oci2vm.internal.disk.DiskImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Every format against qemu-img: it must check clean and read back the raw disk's bytes. */
class FormatWritersTest {
  private static final long MIB = TestDisks.MIB;
  private static final OvfSettings OVF = new OvfSettings("demo", 2, 1024, true, "a <test> VM");

  @TempDir static Path shared;
  private static List<DiskImage> disks;

  @TempDir Path dir;

  @BeforeAll
  static void createDisks() throws IOException {
    disks = new ArrayList<>();
    for (long size : sizes()) {
      disks.add(TestDisks.scattered(shared.resolve(size + ".raw"), size, size));
    }
  }

  @AfterAll
  static void closeDisks() throws IOException {
    for (DiskImage d : disks) {
      d.close();
    }
  }

  /** 4 MiB, 1 GiB + 1 MiB (not a multiple of any block size), and an odd 5 MiB + 1.5 KiB. */
  private static long[] sizes() {
    return new long[] {4 * MIB, 1024 * MIB + MIB, 5 * MIB + 1536};
  }

  static Stream<Arguments> formatsAndSizes() {
    List<Arguments> args = new ArrayList<>();
    for (DiskFormat f : DiskFormat.values()) {
      for (int i = 0; i < sizes().length; i++) {
        if (f == DiskFormat.VHD && sizes()[i] % MIB != 0) {
          continue; // refused, see write_vhdFixed_rejectsSizeNotWholeMiB
        }
        args.add(Arguments.of(f, i));
      }
    }
    return args.stream();
  }

  @ParameterizedTest(name = "{0} disk {1}")
  @MethodSource("formatsAndSizes")
  void write_readsBackAsTheRawDisk(DiskFormat format, int diskIndex) throws Exception {
    DiskImage disk = disks.get(diskIndex);
    Path out = dir.resolve("disk." + format.extension());
    FormatWriters.of(format, OVF).write(disk, out);

    Path image = out;
    if (format == DiskFormat.OVA) {
      image = OvaContents.verify(out, dir, OVF, disk.size());
    }
    String qemu = qemuFormat(format);
    if (EnumSet.of(
            DiskFormat.QCOW2,
            DiskFormat.VMDK,
            DiskFormat.VMDK_STREAM,
            DiskFormat.VHDX,
            DiskFormat.VDI,
            DiskFormat.OVA)
        .contains(format)) {
      QemuImg.check(qemu, image);
    }
    assertEquals(disk.size(), QemuImg.virtualSize(qemu, image), "virtual size");
    QemuImg.compare(disk.path(), qemu, image);
  }

  @ParameterizedTest
  @EnumSource(DiskFormat.class)
  void write_twice_givesIdenticalBytes(DiskFormat format) throws IOException {
    DiskImage disk = disks.get(0);
    Path a = dir.resolve("a." + format.extension());
    Path b = dir.resolve("b." + format.extension());
    FormatWriters.of(format, OVF).write(disk, a);
    FormatWriters.of(format, OVF).write(disk, b);
    assertEquals(-1L, Files.mismatch(a, b), "first differing byte");
  }

  @Test
  void write_vhdFixed_rejectsSizeNotWholeMiB() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> FormatWriters.of(DiskFormat.VHD, null).write(disks.get(2), dir.resolve("x.vhd")));
    assertTrue(e.getMessage().contains("whole number of MiB"), e.getMessage());
  }

  static String qemuFormat(DiskFormat f) {
    return switch (f) {
      case RAW -> "raw";
      case QCOW2 -> "qcow2";
      case VMDK, VMDK_STREAM, OVA -> "vmdk";
      case VHD, VHD_DYNAMIC -> "vpc";
      case VHDX -> "vhdx";
      case VDI -> "vdi";
    };
  }
}
