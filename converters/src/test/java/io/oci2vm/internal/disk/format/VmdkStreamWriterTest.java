package io.oci2vm.internal.disk.format;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.oci2vm.internal.disk.DiskImage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VmdkStreamWriterTest {
  @TempDir Path dir;

  @Test
  void write_putsTheDirectoryInTheFooter() throws Exception {
    Path out = dir.resolve("s.vmdk");
    try (DiskImage disk = TestDisks.scattered(dir.resolve("d.raw"), 40 * TestDisks.MIB, 3)) {
      new VmdkStreamWriter().write(disk, out);
    }
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN);
    int end = b.capacity();
    // The header says "directory at end" (VMware requires it for streamOptimized) ...
    assertEquals(0x564d444b, b.getInt(0));
    assertEquals(3, b.getInt(4));
    assertEquals(0x30001, b.getInt(8)); // valid newline test, compressed grains, markers
    assertEquals(-1L, b.getLong(56));
    assertEquals(1, b.getShort(77)); // deflate
    // ... and the last three sectors are footer marker, footer, end-of-stream marker.
    assertEquals(1L, b.getLong(end - 1536));
    assertEquals(3, b.getInt(end - 1536 + 12));
    long gdOffset = b.getLong(end - 1024 + 56);
    assertEquals(2, b.getInt((int) (gdOffset - 1) * 512 + 12), "GD marker before the GD");
    assertEquals(0x30001, b.getInt(end - 1024 + 8));
    for (int i = end - 512; i < end; i++) {
      assertEquals(0, b.get(i), "end-of-stream marker is all zero");
    }
  }
}
