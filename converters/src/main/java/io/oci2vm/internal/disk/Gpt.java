package io.oci2vm.internal.disk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.zip.CRC32;

/**
 * Writes a GUID partition table (UEFI specification, chapter 5): a protective MBR, the primary
 * header and 128-entry array at the start of the disk and their backups at its end. 512-byte
 * sectors.
 */
public final class Gpt {
  /** The sector size this table is laid out for. */
  public static final int SECTOR = 512;

  /** EFI system partition (FAT). */
  public static final UUID EFI_SYSTEM = UUID.fromString("c12a7328-f81f-11d2-ba4b-00a0c93ec93b");

  /** Generic Linux filesystem data. */
  public static final UUID LINUX_FILESYSTEM =
      UUID.fromString("0fc63daf-8483-4772-8e79-3d69d8477de4");

  /** GRUB's BIOS boot partition. */
  public static final UUID BIOS_BOOT = UUID.fromString("21686148-6449-6e6f-744e-656564454649");

  /** The root filesystem of an x86-64 Linux (Discoverable Partitions Specification). */
  public static final UUID LINUX_ROOT_X86_64 =
      UUID.fromString("4f68bce3-e8cd-4db1-96e7-fbcaf984b709");

  /** Attribute bit 2: BIOS boot code (gptmbr.bin) may boot this partition. */
  public static final long LEGACY_BIOS_BOOTABLE = 1L << 2;

  private static final int ENTRIES = 128;
  private static final int ENTRY_SIZE = 128;
  private static final int ARRAY_SECTORS = ENTRIES * ENTRY_SIZE / SECTOR; // 32
  private static final int HEADER_SIZE = 92;
  private static final int MAX_NAME = 36;
  private static final int MBR_BOOT_CODE = 440;

  /**
   * One partition.
   *
   * @param type the partition type GUID, such as {@link #EFI_SYSTEM}
   * @param id the partition's unique GUID
   * @param name up to 36 UTF-16 code units
   * @param firstLba the first sector
   * @param lastLba the last sector (inclusive)
   * @param attributes attribute bits, such as {@link #LEGACY_BIOS_BOOTABLE}
   */
  public record Partition(
      UUID type, UUID id, String name, long firstLba, long lastLba, long attributes) {
    /** Validates the partition on its own; {@link Gpt#write} checks it against the disk. */
    public Partition {
      Objects.requireNonNull(type, "type was not specified");
      Objects.requireNonNull(id, "id was not specified");
      Objects.requireNonNull(name, "name was not specified");
      if (name.length() > MAX_NAME) {
        throw new IllegalArgumentException("partition name over 36 characters: " + name);
      }
      if (type.equals(new UUID(0, 0)) || id.equals(new UUID(0, 0))) {
        throw new IllegalArgumentException("the zero GUID marks an unused entry: " + name);
      }
      if (firstLba > lastLba) {
        throw new IllegalArgumentException("partition " + name + " ends before it starts");
      }
    }

    /** The partition's size in bytes. */
    public long sizeBytes() {
      return (lastLba - firstLba + 1) * SECTOR;
    }

    /** The partition's byte offset on the disk. */
    public long offsetBytes() {
      return firstLba * SECTOR;
    }
  }

  private Gpt() {}

  /** The first sector a partition may use: after the MBR, the header and the 32-sector array. */
  public static long firstUsableLba() {
    return 2 + ARRAY_SECTORS;
  }

  /** The last sector a partition may use: before the backup array and backup header. */
  public static long lastUsableLba(long diskBytes) {
    return diskBytes / SECTOR - 2 - ARRAY_SECTORS;
  }

  /**
   * Writes the protective MBR, both headers and both partition arrays onto {@code disk}.
   *
   * @param bootCode BIOS boot code for the MBR's first 440 bytes (such as syslinux's gptmbr.bin),
   *     or null to leave them zero
   * @throws IllegalArgumentException if partitions overlap, leave the usable range, repeat an id,
   *     or are more than 128
   */
  public static void write(
      BlockDevice disk, UUID diskGuid, List<Partition> partitions, byte[] bootCode)
      throws IOException {
    Objects.requireNonNull(diskGuid, "diskGuid was not specified");
    long sectors = disk.size() / SECTOR;
    if (disk.size() % SECTOR != 0 || sectors < 2 * (2 + ARRAY_SECTORS) + 1) {
      throw new IllegalArgumentException("disk too small for a GPT: " + disk.size() + " bytes");
    }
    if (bootCode != null && bootCode.length > MBR_BOOT_CODE) {
      throw new IllegalArgumentException("MBR boot code is over 440 bytes: " + bootCode.length);
    }
    check(partitions, lastUsableLba(disk.size()));

    ByteBuffer array = entryArray(partitions);
    int arrayCrc = crc(array);
    long last = sectors - 1;
    disk.write(0, protectiveMbr(sectors, bootCode));
    disk.write(SECTOR, header(diskGuid, 1, last, 2, last, arrayCrc));
    disk.write(2L * SECTOR, array.duplicate());
    long backupArray = last - ARRAY_SECTORS;
    disk.write(backupArray * SECTOR, array);
    disk.write(last * SECTOR, header(diskGuid, last, 1, backupArray, last, arrayCrc));
  }

  private static void check(List<Partition> partitions, long lastUsable) {
    if (partitions.size() > ENTRIES) {
      throw new IllegalArgumentException("a GPT holds at most 128 partitions");
    }
    Set<UUID> ids = new HashSet<>();
    for (Partition p : partitions) {
      if (p.firstLba() < firstUsableLba() || p.lastLba() > lastUsable) {
        throw new IllegalArgumentException(
            "partition "
                + p.name()
                + " ("
                + p.firstLba()
                + "-"
                + p.lastLba()
                + ") is outside the usable sectors "
                + firstUsableLba()
                + "-"
                + lastUsable);
      }
      if (!ids.add(p.id())) {
        throw new IllegalArgumentException("two partitions share the GUID " + p.id());
      }
    }
    List<Partition> sorted = new ArrayList<>(partitions);
    sorted.sort(Comparator.comparingLong(Partition::firstLba));
    for (int i = 1; i < sorted.size(); i++) {
      if (sorted.get(i).firstLba() <= sorted.get(i - 1).lastLba()) {
        throw new IllegalArgumentException(
            "partitions " + sorted.get(i - 1).name() + " and " + sorted.get(i).name() + " overlap");
      }
    }
  }

  /**
   * The MBR: one partition of type 0xEE from sector 1 to the end of the disk (capped where 32 bits
   * end), so tools that know only MBR see the disk as in use.
   */
  private static ByteBuffer protectiveMbr(long sectors, byte[] bootCode) {
    ByteBuffer b = sector();
    if (bootCode != null) {
      b.put(0, bootCode);
    }
    int e = 446;
    b.put(e + 1, (byte) 0x00).put(e + 2, (byte) 0x02).put(e + 3, (byte) 0x00); // CHS of sector 1
    b.put(e + 4, (byte) 0xEE);
    b.put(e + 5, (byte) 0xFF).put(e + 6, (byte) 0xFF).put(e + 7, (byte) 0xFF); // CHS: too far
    b.putInt(e + 8, 1);
    b.putInt(e + 12, (int) Math.min(sectors - 1, 0xFFFFFFFFL));
    b.put(510, (byte) 0x55).put(511, (byte) 0xAA);
    return b;
  }

  private static ByteBuffer header(
      UUID diskGuid, long myLba, long alternateLba, long arrayLba, long last, int arrayCrc) {
    ByteBuffer b = sector();
    b.put(0, "EFI PART".getBytes(StandardCharsets.US_ASCII));
    b.putInt(8, 0x00010000); // revision 1.0
    b.putInt(12, HEADER_SIZE);
    b.putLong(24, myLba);
    b.putLong(32, alternateLba);
    b.putLong(40, firstUsableLba());
    b.putLong(48, last - 1 - ARRAY_SECTORS);
    putGuid(b, 56, diskGuid);
    b.putLong(72, arrayLba);
    b.putInt(80, ENTRIES);
    b.putInt(84, ENTRY_SIZE);
    b.putInt(88, arrayCrc);
    // The header CRC covers its 92 bytes with the CRC field itself still zero.
    b.putInt(16, crc(b.slice(0, HEADER_SIZE)));
    return b;
  }

  private static ByteBuffer entryArray(List<Partition> partitions) {
    ByteBuffer b = ByteBuffer.allocate(ENTRIES * ENTRY_SIZE).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < partitions.size(); i++) {
      Partition p = partitions.get(i);
      int at = i * ENTRY_SIZE;
      putGuid(b, at, p.type());
      putGuid(b, at + 16, p.id());
      b.putLong(at + 32, p.firstLba());
      b.putLong(at + 40, p.lastLba());
      b.putLong(at + 48, p.attributes());
      b.put(at + 56, p.name().getBytes(StandardCharsets.UTF_16LE));
    }
    return b;
  }

  /**
   * Puts a GUID in the mixed-endian form the UEFI specification uses: the first three fields
   * little-endian, the last eight bytes as written.
   */
  static void putGuid(ByteBuffer b, int at, UUID guid) {
    long hi = guid.getMostSignificantBits();
    ByteBuffer le = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    le.putInt(0, (int) (hi >>> 32)).putShort(4, (short) (hi >>> 16)).putShort(6, (short) hi);
    b.put(at, le.array());
    b.put(at + 8, ByteBuffer.allocate(8).putLong(0, guid.getLeastSignificantBits()).array());
  }

  private static int crc(ByteBuffer b) {
    CRC32 crc = new CRC32();
    crc.update(b.duplicate());
    return (int) crc.getValue();
  }

  private static ByteBuffer sector() {
    return ByteBuffer.allocate(SECTOR).order(ByteOrder.LITTLE_ENDIAN);
  }
}
