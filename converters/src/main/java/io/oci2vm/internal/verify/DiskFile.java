package io.oci2vm.internal.verify;

import io.oci2vm.ErrorCode;
import io.oci2vm.Oci2vmException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;

/**
 * A disk image file as QEMU opens it: its format, recognised from the file's own bytes, and for an
 * OVA the byte range of the vmdk inside the tar (QEMU reads it in place through a raw window).
 *
 * @param path the file
 * @param format QEMU's format driver name (raw, qcow2, vmdk, vpc, vhdx, vdi)
 * @param offset where the image starts in the file (non-zero only inside an OVA)
 * @param length the image's length in the file, or -1 for all of it
 * @param snapshot whether QEMU must not write to it (an OVA, a streamOptimized vmdk: transport
 *     formats QEMU reads but cannot update in place), so writes go to a throwaway overlay
 */
public record DiskFile(Path path, String format, long offset, long length, boolean snapshot) {
  /** GPT partition types oci2vm writes. */
  static final UUID EFI_SYSTEM = UUID.fromString("c12a7328-f81f-11d2-ba4b-00a0c93ec93b");

  static final UUID BIOS_BOOT = UUID.fromString("21686148-6449-6e6f-744e-656564454649");

  /** Recognises {@code path}'s format. */
  public static DiskFile of(Path path) throws IOException {
    if (!Files.isRegularFile(path)) {
      throw new Oci2vmException(ErrorCode.BAD_OPTION, path + " is not a disk image file");
    }
    byte[] head = new byte[512];
    long size = Files.size(path);
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      ch.read(ByteBuffer.wrap(head), 0);
      String magic4 = new String(head, 0, 4, StandardCharsets.ISO_8859_1);
      String magic8 = new String(head, 0, 8, StandardCharsets.ISO_8859_1);
      if (magic4.equals("QFI\u00fb")) {
        return new DiskFile(path, "qcow2", 0, -1, false);
      }
      if (magic4.equals("KDMV")) {
        // Flag bit 16: compressed grains, i.e. streamOptimized.
        boolean stream =
            (ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getInt(8) & 0x10000) != 0;
        return new DiskFile(path, "vmdk", 0, -1, stream);
      }
      if (magic8.equals("vhdxfile")) {
        return new DiskFile(path, "vhdx", 0, -1, false);
      }
      if (magic8.equals("conectix")) {
        return new DiskFile(path, "vpc", 0, -1, false);
      }
      if (ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getInt(0x40) == 0xbeda107f) {
        return new DiskFile(path, "vdi", 0, -1, false);
      }
      if (new String(head, 257, 5, StandardCharsets.ISO_8859_1).equals("ustar")) {
        return ova(path);
      }
      if (size >= 1024) {
        byte[] foot = new byte[8];
        ch.read(ByteBuffer.wrap(foot), size - 512);
        if (new String(foot, StandardCharsets.ISO_8859_1).equals("conectix")) {
          return new DiskFile(
              path, "vpc", 0, -1, false); // a fixed VHD: raw data, footer at the end
        }
      }
    }
    return new DiskFile(path, "raw", 0, -1, false);
  }

  private static DiskFile ova(Path path) throws IOException {
    try (TarFile tar = new TarFile(path)) {
      for (TarArchiveEntry e : tar.getEntries()) {
        if (e.isFile() && e.getName().endsWith(".vmdk")) {
          return new DiskFile(path, "vmdk", e.getDataOffset(), e.getSize(), true);
        }
      }
    }
    throw new Oci2vmException(ErrorCode.UNKNOWN_FORMAT, path + " is a tar without a .vmdk disk");
  }

  /** QEMU's -drive value for this disk attached as virtio-blk. */
  public String driveOption(boolean snapshot) {
    StringBuilder s = new StringBuilder("if=virtio,format=").append(format);
    if (length >= 0) {
      s.append(",file.driver=raw,file.offset=")
          .append(offset)
          .append(",file.size=")
          .append(length)
          .append(",file.file.driver=file,file.file.filename=")
          .append(escape(path));
    } else {
      s.append(",file=").append(escape(path));
    }
    if (snapshot) {
      s.append(",snapshot=on");
    }
    return s.toString();
  }

  /** The GPT partition types on the disk, read through qemu-img for non-raw formats. */
  public List<UUID> partitionTypes() throws IOException {
    byte[] head = readHead(34 * 512);
    List<UUID> types = new ArrayList<>();
    if (!new String(head, 512, 8, StandardCharsets.ISO_8859_1).equals("EFI PART")) {
      return types;
    }
    ByteBuffer b = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
    long entriesLba = b.getLong(512 + 72);
    int count = b.getInt(512 + 80);
    int entrySize = b.getInt(512 + 84);
    for (int i = 0; i < count; i++) {
      int off = (int) (entriesLba * 512 + (long) i * entrySize);
      if (entriesLba != 2 || entrySize < 128 || off + 16 > head.length) {
        break;
      }
      UUID t = guid(b, off);
      if (t.getMostSignificantBits() != 0 || t.getLeastSignificantBits() != 0) {
        types.add(t);
      }
    }
    return types;
  }

  /** Whether the disk has an EFI system partition. */
  public boolean uefiBootable() throws IOException {
    return partitionTypes().contains(EFI_SYSTEM);
  }

  /** Whether the disk has a BIOS boot partition (GRUB's core image). */
  public boolean biosBootable() throws IOException {
    return partitionTypes().contains(BIOS_BOOT);
  }

  private static UUID guid(ByteBuffer b, int off) {
    // Mixed endian: the first three fields are little-endian, the rest big-endian.
    long d1 = Integer.toUnsignedLong(b.getInt(off));
    long d2 = Short.toUnsignedLong(b.getShort(off + 4));
    long d3 = Short.toUnsignedLong(b.getShort(off + 6));
    long msb = (d1 << 32) | (d2 << 16) | d3;
    long lsb = 0;
    for (int i = 8; i < 16; i++) {
      lsb = (lsb << 8) | (b.get(off + i) & 0xff);
    }
    return new UUID(msb, lsb);
  }

  private byte[] readHead(int bytes) throws IOException {
    if (format.equals("raw")) {
      byte[] head = new byte[bytes];
      try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
        ch.read(ByteBuffer.wrap(head), 0);
      }
      return head;
    }
    Path tmp = Files.createTempFile("oci2vm-head-", ".img");
    try {
      String in =
          length >= 0
              ? "json:{\"driver\":\"vmdk\",\"file\":{\"driver\":\"raw\",\"offset\":"
                  + offset
                  + ",\"size\":"
                  + length
                  + ",\"file\":{\"driver\":\"file\",\"filename\":\""
                  + path.toAbsolutePath().toString().replace("\\", "\\\\").replace("\"", "\\\"")
                  + "\"}}}"
              : path.toString();
      List<String> argv = new ArrayList<>(List.of("qemu-img", "dd"));
      if (length < 0) {
        argv.addAll(List.of("-f", format));
      }
      argv.addAll(List.of("-O", "raw", "bs=512", "count=" + (bytes / 512), "if=" + in));
      argv.add("of=" + tmp);
      Files.delete(tmp); // qemu-img dd creates it
      Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
      String out;
      try (InputStream s = p.getInputStream()) {
        out = new String(s.readAllBytes(), StandardCharsets.UTF_8);
      }
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new Oci2vmException(
            ErrorCode.BOOT_FAILED, "qemu-img cannot read " + path + ": " + out.strip());
      }
      byte[] head = new byte[bytes];
      byte[] got = Files.readAllBytes(tmp);
      System.arraycopy(got, 0, head, 0, Math.min(got.length, bytes));
      return head;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static String escape(Path p) {
    // QEMU's option syntax doubles commas inside values.
    return p.toAbsolutePath().toString().replace(",", ",,");
  }
}
