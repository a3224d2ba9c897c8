package io.oci2vm.internal.disk.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.oci2vm.DiskFormat;
import io.oci2vm.internal.disk.DiskImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A mostly-empty 1 GiB disk must give small files in every format. */
class FormatSparsenessTest {
  private static final long MIB = TestDisks.MIB;

  @TempDir Path dir;

  @Test
  void write_mostlyEmptyDisk_givesSmallFiles() throws Exception {
    try (DiskImage disk = TestDisks.mostlyEmpty(dir.resolve("disk.raw"), 1024 * MIB)) {
      StringBuilder report = new StringBuilder("mostly-empty 1 GiB disk:");
      for (DiskFormat f : DiskFormat.values()) {
        Path out = dir.resolve("out." + f.extension() + "." + f.id());
        FormatWriters.of(f, new OvfSettings("vm", 1, 512, false, null)).write(disk, out);
        long size = Files.size(out);
        long allocated = allocatedBytes(out);
        report.append(String.format("%n  %-12s size %,13d  allocated %,11d", f, size, allocated));
        // Three 4 KiB writes make at most three 1-2 MiB units plus a few MiB of metadata.
        assertTrue(allocated < 8 * MIB, f + " allocates " + allocated + " bytes");
        switch (f) {
          case RAW, VHD -> assertEquals(disk.size() + (f == DiskFormat.VHD ? 512 : 0), size);
          case VHDX -> assertTrue(size <= 4 * MIB + 3 * MIB, f + " is " + size + " bytes");
          case VHD_DYNAMIC -> assertTrue(size <= 3 * (2 * MIB + 512) + 8192, f + ": " + size);
          case VDI -> assertTrue(size <= MIB + 3 * MIB, f + " is " + size + " bytes");
          default -> assertTrue(size <= MIB, f + " is " + size + " bytes"); // 64 KiB units
        }
        QemuImg.compare(disk.path(), FormatWritersTest.qemuFormat(f), imageOf(f, out));
      }
      System.out.println(report);
    }
  }

  private Path imageOf(DiskFormat f, Path out) throws Exception {
    if (f != DiskFormat.OVA) {
      return out;
    }
    return OvaContents.verify(
        out,
        Files.createTempDirectory(dir, "ova"),
        new OvfSettings("vm", 1, 512, false, null),
        1024 * MIB);
  }

  /** Bytes the file system allocated, from {@code stat -c %b} (512-byte blocks). */
  static long allocatedBytes(Path p) throws IOException, InterruptedException {
    Process stat = new ProcessBuilder("stat", "-c", "%b", p.toString()).start();
    String out = new String(stat.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
    assertEquals(0, stat.waitFor(), "stat failed");
    return Long.parseLong(out.trim()) * 512;
  }
}
