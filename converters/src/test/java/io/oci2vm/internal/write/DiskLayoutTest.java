package io.oci2vm.internal.write;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.oci2vm.BootMode;
import io.oci2vm.ErrorCode;
import io.oci2vm.Oci2vmException;
import org.junit.jupiter.api.Test;

class DiskLayoutTest {
  private static final long MIB = DiskLayout.MIB;

  @Test
  void plan_hybridDefault_isAlignedWithHeadroom() {
    DiskLayout l = DiskLayout.plan(BootMode.HYBRID, 20 * MIB, 100 * MIB + 5, 0);
    assertEquals(MIB, l.biosStart());
    assertEquals(2 * MIB, l.espStart());
    assertEquals(64 * MIB, l.espBytes(), "the 64 MiB floor");
    assertEquals(l.espStart() + l.espBytes(), l.rootStart());
    // 101 MiB of content plus max(64 MiB, a quarter) of headroom.
    assertEquals(101 * MIB + 64 * MIB, l.rootBytes());
    assertEquals(l.rootStart() + l.rootBytes() + MIB, l.diskBytes(), "a last MiB for the GPT");
    assertEquals(0, l.diskBytes() % MIB);
  }

  @Test
  void plan_uefiOnly_hasNoBiosPartition() {
    DiskLayout l = DiskLayout.plan(BootMode.UEFI, 1, 1, 0);
    assertEquals(0, l.biosStart());
    assertEquals(MIB, l.espStart());
  }

  @Test
  void plan_bigContent_growsEspAndHeadroom() {
    DiskLayout l = DiskLayout.plan(BootMode.BIOS, 100 * MIB, 1000 * MIB, 0);
    assertEquals(114 * MIB, l.espBytes(), "content + 10% + 4 MiB, whole MiB");
    assertEquals(1250 * MIB, l.rootBytes(), "a quarter of headroom above 256 MiB");
  }

  @Test
  void plan_requestedSize_fillsTheDiskAndRoundsDownToMib() {
    DiskLayout l = DiskLayout.plan(BootMode.HYBRID, 1, 50 * MIB, 1024 * MIB + 123);
    assertEquals(1024 * MIB, l.diskBytes());
    assertEquals(1024 * MIB - l.rootStart() - MIB, l.rootBytes());
  }

  @Test
  void plan_requestedSizeTooSmall_saysTheSmallestThatFits() {
    Oci2vmException e =
        assertThrows(
            Oci2vmException.class, () -> DiskLayout.plan(BootMode.HYBRID, 1, 50 * MIB, 100 * MIB));
    assertEquals(ErrorCode.DISK_TOO_SMALL, e.code());
    // 2 MiB (GPT, BIOS boot) + 64 MiB ESP + 50 MiB root + 1 MiB backup GPT.
    assertTrue(e.getMessage().contains("at least 117 MiB"), e.getMessage());
    DiskLayout fits = DiskLayout.plan(BootMode.HYBRID, 1, 50 * MIB, 117 * MIB);
    assertEquals(50 * MIB, fits.rootBytes());
  }
}
