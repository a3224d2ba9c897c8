package io.oci2vm.internal.disk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class GptTest {
  private static final long MIB = 1 << 20;
  private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(30);
  private static final UUID DISK = UUID.fromString("11111111-2222-3333-4444-555555555555");
  private static final UUID ESP_ID = UUID.fromString("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
  private static final UUID ROOT_ID = UUID.fromString("01234567-89ab-cdef-0123-456789abcdef");

  @TempDir Path tmp;

  @BeforeAll
  static void tools() {
    ExternalTool.require("sgdisk", "gdisk");
    ExternalTool.require("sfdisk", "fdisk");
  }

  @Test
  void write_espAndRoot_sgdiskFindsNoProblems() throws IOException {
    Path img = writeTwoPartitions(100 * MIB, null);
    verifyClean(img);
  }

  @Test
  void write_espAndRoot_sfdiskShowsPartitions() throws IOException {
    Path img = writeTwoPartitions(100 * MIB, null);
    long lastUsable = Gpt.lastUsableLba(100 * MIB);
    JsonNode table =
        new ObjectMapper()
            .readTree(
                ExternalTool.run(TOOL_TIMEOUT, "sfdisk", "-J", img.toString())
                    .requireSuccess()
                    .output())
            .get("partitiontable");
    assertEquals("gpt", table.get("label").asText());
    assertEquals(DISK.toString(), table.get("id").asText().toLowerCase(Locale.ROOT));
    assertEquals(34, table.get("firstlba").asLong());
    assertEquals(lastUsable, table.get("lastlba").asLong());
    JsonNode esp = table.get("partitions").get(0);
    assertEquals(2048, esp.get("start").asLong());
    assertEquals(64 * MIB / 512, esp.get("size").asLong());
    assertEquals(Gpt.EFI_SYSTEM.toString(), esp.get("type").asText().toLowerCase(Locale.ROOT));
    assertEquals(ESP_ID.toString(), esp.get("uuid").asText().toLowerCase(Locale.ROOT));
    assertEquals("EFI system partition", esp.get("name").asText());
    assertEquals("LegacyBIOSBootable", esp.get("attrs").asText());
    JsonNode root = table.get("partitions").get(1);
    assertEquals(2048 + 64 * MIB / 512, root.get("start").asLong());
    assertEquals(lastUsable - root.get("start").asLong() + 1, root.get("size").asLong());
    assertEquals(
        Gpt.LINUX_ROOT_X86_64.toString(), root.get("type").asText().toLowerCase(Locale.ROOT));
    assertEquals(ROOT_ID.toString(), root.get("uuid").asText().toLowerCase(Locale.ROOT));
    assertEquals("root (x86-64) ü", root.get("name").asText());
    assertFalse(root.has("attrs"));
  }

  @Test
  void write_espAndRoot_sgdiskShowsAttributes() throws IOException {
    Path img = writeTwoPartitions(100 * MIB, null);
    String one = sgdisk("-i", "1", img).requireSuccess().output();
    assertTrue(one.contains("Attribute flags: 0000000000000004"), one);
    assertTrue(one.contains("Partition name: 'EFI system partition'"), one);
    assertTrue(one.contains("First sector: 2048 "), one);
    String two = sgdisk("-i", "2", img).requireSuccess().output();
    assertTrue(two.contains("Attribute flags: 0000000000000000"), two);
  }

  @Test
  void write_corruptedBackupHeader_sgdiskReportsIt() throws IOException {
    Path img = writeTwoPartitions(100 * MIB, null);
    try (FileChannel ch = FileChannel.open(img, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[] {0x42}), 100 * MIB - 512 + 40); // backup first usable
    }
    String out = sgdisk("-v", img).output();
    assertTrue(out.contains("Backup header: ERROR"), out);
    assertThrows(AssertionError.class, () -> verifyClean(img));
  }

  @Test
  void write_bootCode_occupiesFirst440BytesOnly() throws IOException {
    byte[] code = new byte[440];
    Arrays.fill(code, (byte) 0x90);
    Path img = writeTwoPartitions(100 * MIB, code);
    ByteBuffer mbr = read(img, 0, 512);
    assertArrayEquals(code, Arrays.copyOf(mbr.array(), 440));
    assertEquals((byte) 0xEE, mbr.get(446 + 4));
    assertEquals(1, mbr.getInt(446 + 8));
    assertEquals(100 * MIB / 512 - 1, mbr.getInt(446 + 12));
    assertEquals(0xAA55, mbr.getShort(510) & 0xffff);
    verifyClean(img);
  }

  @Test
  void write_diskOver2TiB_protectiveMbrCapped() throws IOException {
    long size = 3L << 40; // sparse: only the written sectors take space
    Path img = tmp.resolve("huge.img");
    try (RawDisk disk = RawDisk.create(img, size)) {
      Gpt.write(disk, DISK, List.of(esp(Gpt.lastUsableLba(size))), null);
    }
    assertEquals(0xFFFFFFFF, read(img, 0, 512).getInt(446 + 12));
    verifyClean(img);
  }

  @Test
  void write_overlappingPartitions_rejectedBeforeWriting() throws IOException {
    Gpt.Partition a = esp(2048 + 100);
    Gpt.Partition b = new Gpt.Partition(Gpt.LINUX_FILESYSTEM, ROOT_ID, "b", 2148, 4000, 0);
    assertRejected(List.of(a, b), "overlap");
  }

  @Test
  void write_partitionInBackupArea_rejectedBeforeWriting() throws IOException {
    assertRejected(List.of(esp(Gpt.lastUsableLba(100 * MIB) + 1)), "outside the usable");
  }

  @Test
  void write_partitionOverPrimaryArray_rejectedBeforeWriting() throws IOException {
    Gpt.Partition p = new Gpt.Partition(Gpt.EFI_SYSTEM, ESP_ID, "x", 33, 4000, 0);
    assertRejected(List.of(p), "outside the usable");
  }

  @Test
  void partition_nameOver36Characters_rejected() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new Gpt.Partition(Gpt.EFI_SYSTEM, ESP_ID, "x".repeat(37), 2048, 4000, 0));
  }

  @Test
  void usableLbas_100MiB_matchSgdisk() {
    assertEquals(34, Gpt.firstUsableLba());
    assertEquals(204766, Gpt.lastUsableLba(100 * MIB)); // sgdisk's "lastlba" for 100 MiB
  }

  private void assertRejected(List<Gpt.Partition> parts, String messagePart) throws IOException {
    try (RawDisk disk = RawDisk.create(tmp.resolve("bad.img"), 100 * MIB)) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> Gpt.write(disk, DISK, parts, null));
      assertTrue(e.getMessage().contains(messagePart), e.getMessage());
      assertTrue(disk.writtenChunks().isEmpty(), "nothing may be written");
    }
  }

  private static Gpt.Partition esp(long lastLba) {
    return new Gpt.Partition(
        Gpt.EFI_SYSTEM, ESP_ID, "EFI system partition", 2048, lastLba, Gpt.LEGACY_BIOS_BOOTABLE);
  }

  private Path writeTwoPartitions(long size, byte[] bootCode) throws IOException {
    Path img = tmp.resolve("disk.img");
    long espLast = 2048 + 64 * MIB / 512 - 1;
    Gpt.Partition root =
        new Gpt.Partition(
            Gpt.LINUX_ROOT_X86_64,
            ROOT_ID,
            "root (x86-64) ü",
            espLast + 1,
            Gpt.lastUsableLba(size),
            0);
    try (RawDisk disk = RawDisk.create(img, size)) {
      Gpt.write(disk, DISK, List.of(esp(espLast), root), bootCode);
    }
    return img;
  }

  /**
   * Runs sgdisk -v and fails on any complaint. "No problems found." alone is not enough: sgdisk
   * prints it even after silently rebuilding a broken backup header in memory. The only caution
   * allowed is about a partition end not on a 1 MiB boundary, which is how a root partition filling
   * the disk ends.
   */
  private static void verifyClean(Path img) throws IOException {
    String out = sgdisk("-v", img).requireSuccess().output();
    assertTrue(out.contains("No problems found."), out);
    String rest =
        out.replaceAll(
            "Caution: Partition \\d+ doesn't end on a 2048-sector boundary. This may\n"
                + "result in problems with some disk encryption tools.",
            "");
    for (String bad : List.of("Caution", "Warning", "ERROR", "CRC", "corrupt", "invalid")) {
      assertFalse(rest.contains(bad), "sgdisk -v complains:\n" + out);
    }
  }

  private static ExternalTool.Result sgdisk(String option, Path img) throws IOException {
    return ExternalTool.run(TOOL_TIMEOUT, "sgdisk", option, img.toString());
  }

  private static ExternalTool.Result sgdisk(String option, String arg, Path img)
      throws IOException {
    return ExternalTool.run(TOOL_TIMEOUT, "sgdisk", option, arg, img.toString());
  }

  private static ByteBuffer read(Path img, long offset, int length) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
    try (FileChannel ch = FileChannel.open(img)) {
      ch.read(b, offset);
    }
    return b.flip();
  }
}
