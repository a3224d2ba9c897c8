package io.oci2vm.internal.disk.format;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class VhdFooterTest {
  private static int chs(int cylinders, int heads, int sectors) {
    return (cylinders << 16) | (heads << 8) | sectors;
  }

  @Test
  void geometry_followsTheSpecAlgorithm() {
    // 64 MiB stays at 17 sectors per track; 1 GiB needs 63 (the values Hyper-V and qemu show).
    assertEquals(chs(963, 8, 17), VhdFooter.geometry(64L * 2048));
    assertEquals(chs(2080, 16, 63), VhdFooter.geometry(1024L * 2048));
    // Beyond 65535 x 16 x 255 sectors the geometry saturates; readers use current_size.
    assertEquals(chs(65535, 16, 255), VhdFooter.geometry(4L << 31));
  }

  @Test
  void encode_checksumIsOnesComplementOfByteSum() {
    ByteBuffer f = VhdFooter.encode(1 << 30, VhdFooter.TYPE_FIXED, -1, new UUID(1, 2));
    int sum = 0;
    for (int i = 0; i < VhdFooter.SIZE; i++) {
      sum += (i >= 64 && i < 68) ? 0 : f.get(i) & 0xff;
    }
    assertEquals(~sum, f.getInt(64));
    assertEquals(1L << 30, f.getLong(48));
    assertEquals(VhdFooter.TYPE_FIXED, f.getInt(60));
  }
}
