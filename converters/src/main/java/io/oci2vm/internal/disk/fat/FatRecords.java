package io.oci2vm.internal.disk.fat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.HexFormat;

/** The on-disk records of a FAT32 volume: boot sector, FSInfo sector and directory entries. */
final class FatRecords {
  static final int ATTR_VOLUME_ID = 0x08;
  static final int ATTR_DIRECTORY = 0x10;
  static final int ATTR_ARCHIVE = 0x20;

  private static final String NO_LABEL = "NO NAME    ";
  private static final String BOOT_MESSAGE =
      "This is a UEFI system partition, not a BIOS boot disk.\r\n";

  /*
   * Real-mode code at offset 0x5A, where the boot sector's first jump lands: print BOOT_MESSAGE
   * through the BIOS teletype call, then halt for good. It only runs if someone boots the
   * partition itself from BIOS, and then it says why nothing happens.
   *
   *   31 C0      xor ax, ax
   *   8E D8      mov ds, ax
   *   BE 72 7C   mov si, 0x7C72    ; the message, at offset 114
   *   AC         next: lodsb
   *   84 C0      test al, al
   *   74 09      jz halt
   *   B4 0E      mov ah, 0x0E      ; teletype output
   *   BB 07 00   mov bx, 7
   *   CD 10      int 0x10
   *   EB F2      jmp next
   *   F4         halt: hlt
   *   EB FD      jmp halt
   */
  private static final byte[] BOOT_CODE =
      HexFormat.of().parseHex("31C08ED8BE727CAC84C07409B40EBB0700CD10EBF2F4EBFD");

  private FatRecords() {}

  /** The 11-byte label for the boot sector and root directory, or null for none. */
  static String labelKey(String label) {
    if (label == null || label.isBlank()) {
      return null;
    }
    if (label.length() > 11) {
      throw new IllegalArgumentException("a FAT label has at most 11 characters: " + label);
    }
    String upper = label.toUpperCase(java.util.Locale.ROOT);
    for (int i = 0; i < upper.length(); i++) {
      char c = upper.charAt(i);
      if (c < 0x20 || c > 0x7E || "\"*+,./:;<=>?[\\]|".indexOf(c) >= 0) {
        throw new IllegalArgumentException("a FAT label holds a forbidden character: " + label);
      }
    }
    return upper + " ".repeat(11 - upper.length());
  }

  /** Sector 0 (and its backup at sector 6). */
  static ByteBuffer bootSector(FatGeometry g, String labelKey, int volumeId) {
    ByteBuffer b = sector();
    b.put(0, new byte[] {(byte) 0xEB, 0x58, (byte) 0x90});
    b.put(3, ascii("MSWIN4.1")); // the OEM name Microsoft recommends for compatibility
    b.putShort(11, (short) FatGeometry.SECTOR);
    b.put(13, (byte) g.sectorsPerCluster());
    b.putShort(14, (short) FatGeometry.RESERVED_SECTORS);
    b.put(16, (byte) FatGeometry.FAT_COUNT);
    b.put(21, (byte) 0xF8); // media: fixed disk
    b.putShort(24, (short) 63); // CHS geometry: only for BIOS calls, the usual fiction
    b.putShort(26, (short) 255);
    b.putInt(32, (int) g.totalSectors());
    b.putInt(36, (int) g.fatSectors());
    b.putInt(44, 2); // root directory cluster
    b.putShort(48, (short) 1); // FSInfo sector
    b.putShort(50, (short) 6); // backup boot sector
    b.put(64, (byte) 0x80);
    b.put(66, (byte) 0x29); // the next three fields are present
    b.putInt(67, volumeId);
    b.put(71, ascii(labelKey == null ? NO_LABEL : labelKey));
    b.put(82, ascii("FAT32   "));
    b.put(90, BOOT_CODE);
    b.put(90 + BOOT_CODE.length, ascii(BOOT_MESSAGE));
    b.put(510, (byte) 0x55).put(511, (byte) 0xAA);
    return b;
  }

  /** Sector 1 (and its backup at sector 7): the free cluster count and a search hint. */
  static ByteBuffer fsInfo(long freeClusters, long nextFree) {
    ByteBuffer b = sector();
    b.putInt(0, 0x41615252);
    b.putInt(484, 0x61417272);
    b.putInt(488, (int) freeClusters);
    b.putInt(492, (int) nextFree);
    b.putInt(508, 0xAA550000);
    return b;
  }

  /** Puts one 32-byte short directory entry. */
  static void putEntry(
      ByteBuffer dir, String shortKey, int attributes, long cluster, long size, long mtime) {
    int at = dir.position();
    int date = date(mtime);
    int time = time(mtime);
    dir.put(at, ascii(shortKey));
    dir.put(at + 11, (byte) attributes);
    dir.putShort(at + 14, (short) time); // created
    dir.putShort(at + 16, (short) date);
    dir.putShort(at + 18, (short) date); // last access
    dir.putShort(at + 20, (short) (cluster >>> 16));
    dir.putShort(at + 22, (short) time); // written
    dir.putShort(at + 24, (short) date);
    dir.putShort(at + 26, (short) cluster);
    dir.putInt(at + 28, (int) size);
    dir.position(at + 32);
  }

  /** A little-endian buffer for a directory of {@code slots} entries. */
  static ByteBuffer directory(int slots) {
    return ByteBuffer.allocate(slots * 32).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** FAT date of epoch seconds, read as UTC and clamped to the years FAT can hold. */
  static int date(long epochSeconds) {
    LocalDateTime t = clamp(epochSeconds);
    return ((t.getYear() - 1980) << 9) | (t.getMonthValue() << 5) | t.getDayOfMonth();
  }

  /** FAT time of epoch seconds (two-second resolution). */
  static int time(long epochSeconds) {
    LocalDateTime t = clamp(epochSeconds);
    return (t.getHour() << 11) | (t.getMinute() << 5) | (t.getSecond() / 2);
  }

  private static LocalDateTime clamp(long epochSeconds) {
    long min = LocalDateTime.of(1980, 1, 1, 0, 0).toEpochSecond(ZoneOffset.UTC);
    long max = LocalDateTime.of(2107, 12, 31, 23, 59, 58).toEpochSecond(ZoneOffset.UTC);
    long s = Math.max(min, Math.min(max, epochSeconds));
    return LocalDateTime.ofEpochSecond(s, 0, ZoneOffset.UTC);
  }

  private static ByteBuffer sector() {
    return ByteBuffer.allocate(FatGeometry.SECTOR).order(ByteOrder.LITTLE_ENDIAN);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
