package io.oci2vm.internal.disk.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.oci2vm.internal.disk.DiskImage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VdiWriterTest {
  @TempDir Path dir;

  @Test
  void write_sameSizeDifferentContent_getsDifferentUuids() throws Exception {
    byte[] a = header(1);
    byte[] b = header(2);
    ByteBuffer h = ByteBuffer.wrap(a).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(0xbeda107f, h.getInt(64));
    assertEquals(0x00010001, h.getInt(68));
    // VirtualBox refuses to register a second disk whose image UUID it already knows.
    assertNotEquals(
        Arrays.toString(Arrays.copyOfRange(a, 392, 408)),
        Arrays.toString(Arrays.copyOfRange(b, 392, 408)));
  }

  private byte[] header(long seed) throws Exception {
    Path out = dir.resolve(seed + ".vdi");
    try (DiskImage disk =
        TestDisks.scattered(dir.resolve(seed + ".raw"), 8 * TestDisks.MIB, seed)) {
      new VdiWriter().write(disk, out);
    }
    return Arrays.copyOf(Files.readAllBytes(out), 512);
  }
}
