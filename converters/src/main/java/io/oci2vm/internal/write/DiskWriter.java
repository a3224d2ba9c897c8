package io.oci2vm.internal.write;

import io.oci2vm.BootMode;
import io.oci2vm.DiskFormat;
import io.oci2vm.ErrorCode;
import io.oci2vm.Oci2vmException;
import io.oci2vm.ProgressEvent;
import io.oci2vm.ProgressListener;
import io.oci2vm.internal.FileTrees;
import io.oci2vm.internal.boot.GrubBios;
import io.oci2vm.internal.boot.Uki;
import io.oci2vm.internal.disk.DiskImage;
import io.oci2vm.internal.disk.FsEntry;
import io.oci2vm.internal.disk.Gpt;
import io.oci2vm.internal.disk.RawDisk;
import io.oci2vm.internal.disk.ext4.Ext4Options;
import io.oci2vm.internal.disk.ext4.Ext4Writer;
import io.oci2vm.internal.disk.fat.Fat32Writer;
import io.oci2vm.internal.disk.format.FormatWriters;
import io.oci2vm.internal.disk.format.OvfSettings;
import io.oci2vm.internal.kernel.Kernel;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Writes a bootable GPT disk once, as a sparse raw file, and then every requested container format
 * from it: ESP (FAT32) with a UKI for UEFI and GRUB's files for BIOS, and the image's tree as ext4.
 * Outputs are written under temporary names beside their targets and renamed only when all of them
 * are complete, so a failure (a full disk included) leaves no file that looks finished.
 */
public final class DiskWriter {
  /** Writes the small initramfs whose init mounts the root of the given ext4 UUID. */
  @FunctionalInterface
  public interface InitramfsSource {
    /** Writes the initramfs for a root filesystem of UUID {@code rootUuid} to {@code out}. */
    void write(String rootUuid, OutputStream out) throws IOException;
  }

  /** Writes the run's record (oci2vm.json) before anything is renamed into place. */
  @FunctionalInterface
  public interface RecordWriter {
    /**
     * Writes the record of {@code result} to {@code out}; the disks are still at {@code files}
     * (their temporary names) and get their final names only after the record is complete.
     */
    void write(Result result, Map<DiskFormat, Path> files, Path out) throws IOException;
  }

  /** What was written. */
  public record Result(
      Map<DiskFormat, Path> outputs,
      Map<DiskFormat, Long> sizes,
      DiskLayout layout,
      UUID rootUuid,
      Path record) {}

  private static final String ESP_LABEL = "OCI2VM-ESP";

  /** Below this much free space an I/O error on the output's filesystem means it is full. */
  private static final long NEARLY_FULL = 16L << 20;

  private final Map<DiskFormat, Path> outputs;
  private final BootMode boot;
  private final long requestedSize;
  private final Path cacheDir;
  private final ProgressListener listener;

  /**
   * @param outputs each format and where it goes
   * @param boot which firmware the disk must boot under
   * @param requestedSize the whole disk's size, 0 for content plus headroom
   */
  public DiskWriter(
      Map<DiskFormat, Path> outputs,
      BootMode boot,
      long requestedSize,
      Path cacheDir,
      ProgressListener listener) {
    if (outputs.isEmpty()) {
      throw new IllegalArgumentException("no outputs");
    }
    this.outputs = new LinkedHashMap<>(outputs);
    this.boot = boot;
    this.requestedSize = requestedSize;
    this.cacheDir = cacheDir;
    this.listener = listener;
  }

  /**
   * Writes the disks.
   *
   * @param root the tree for the ext4 root
   * @param kernel the kernel the ESP carries
   * @param initramfs writes the small initramfs
   * @param cmdline the kernel command line
   * @param identity bytes that identify this conversion; every UUID on the disk derives from them
   * @param timestamp filesystem timestamps (seconds)
   * @param ovf settings for an OVA's descriptor (null when no OVA is written)
   * @param record writes the run's record, named after the first output
   */
  public Result write(
      FsEntry root,
      Kernel kernel,
      InitramfsSource initramfs,
      String cmdline,
      byte[] identity,
      long timestamp,
      OvfSettings ovf,
      RecordWriter record)
      throws IOException {
    Path first = outputs.values().iterator().next().toAbsolutePath();
    Path work = Files.createTempDirectory(first.getParent(), ".oci2vm-disk-");
    List<Path> partials = new ArrayList<>();
    try {
      UUID rootUuid = uuid(identity, "ext4");
      GrubBios grub = boot.bios() ? GrubBios.load(GrubBios.DEFAULT_DIR, cacheDir) : null;
      Path initrd = work.resolve("initrd.img");
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(initrd), 1 << 16)) {
        initramfs.write(rootUuid.toString(), out);
      }
      FsEntry esp = espTree(kernel, initrd, cmdline, timestamp);
      Ext4Options ext4 = new Ext4Options(rootUuid, "oci2vm-root", timestamp, 0);
      DiskLayout layout =
          DiskLayout.plan(
              boot,
              Fat32Writer.minimumSize(esp),
              Ext4Writer.minimumSize(root, ext4),
              requestedSize);
      for (DiskFormat f : outputs.keySet()) {
        f.checkFits(layout.diskBytes());
      }
      listener.onEvent(
          new ProgressEvent.Step(
              "disk",
              String.format(
                  "writing a %d MiB %s disk (root filesystem %d MiB)",
                  layout.diskBytes() / DiskLayout.MIB, boot, layout.rootBytes() / DiskLayout.MIB)));
      Path raw = work.resolve("disk.raw");
      try (RawDisk disk = RawDisk.create(raw, layout.diskBytes())) {
        writeGpt(disk, layout, grub, identity);
        if (grub != null) {
          disk.write(layout.biosStart(), grub.coreImage(layout.biosStart() / 512));
        }
        Fat32Writer.write(
            esp,
            disk.slice(layout.espStart(), layout.espBytes()),
            ESP_LABEL,
            (int) uuid(identity, "esp").getMostSignificantBits(),
            timestamp);
        listener.onEvent(new ProgressEvent.Step("disk", "writing the root filesystem (ext4)"));
        Ext4Writer.write(root, disk.slice(layout.rootStart(), layout.rootBytes()), ext4);
        disk.force();
        Map<DiskFormat, Path> temps = new LinkedHashMap<>();
        try (DiskImage image = DiskImage.of(disk)) {
          for (var e : outputs.entrySet()) {
            if (e.getKey() == DiskFormat.RAW) {
              continue; // the raw file itself is renamed into place
            }
            Path target = e.getValue().toAbsolutePath();
            Path tmp =
                Files.createTempFile(target.getParent(), "." + target.getFileName(), ".partial");
            partials.add(tmp);
            listener.onEvent(
                new ProgressEvent.Step("disk", "writing " + e.getKey() + " " + e.getValue()));
            FormatWriters.of(e.getKey(), ovf).write(image, tmp);
            temps.put(e.getKey(), tmp);
          }
        }
        if (outputs.containsKey(DiskFormat.RAW)) {
          Path target = outputs.get(DiskFormat.RAW).toAbsolutePath();
          Path tmp =
              Files.createTempFile(target.getParent(), "." + target.getFileName(), ".partial");
          partials.add(tmp);
          Files.move(raw, tmp, StandardCopyOption.REPLACE_EXISTING);
          temps.put(DiskFormat.RAW, tmp);
        }
        Map<DiskFormat, Long> sizes = new LinkedHashMap<>();
        for (var e : temps.entrySet()) {
          sizes.put(e.getKey(), Files.size(e.getValue()));
        }
        Path recordTarget = DiskRecord.pathFor(first);
        Path recordTemp =
            Files.createTempFile(
                recordTarget.getParent(), "." + recordTarget.getFileName(), ".partial");
        partials.add(recordTemp);
        Result result =
            new Result(
                java.util.Collections.unmodifiableMap(outputs),
                sizes,
                layout,
                rootUuid,
                recordTarget);
        record.write(result, temps, recordTemp);
        // Everything is complete: only renames within each target's directory remain.
        for (var e : temps.entrySet()) {
          Files.move(e.getValue(), outputs.get(e.getKey()), StandardCopyOption.REPLACE_EXISTING);
        }
        Files.move(recordTemp, recordTarget, StandardCopyOption.REPLACE_EXISTING);
        partials.clear();
        return result;
      }
    } catch (IOException e) {
      if (full(e, first.getParent())) {
        throw new Oci2vmException(
            ErrorCode.DISK_FULL,
            "a filesystem oci2vm writes to is full ("
                + e.getMessage()
                + "); nothing was left behind: free space or write elsewhere",
            e);
      }
      throw e;
    } finally {
      for (Path p : partials) {
        quietlyDelete(p);
      }
      quietlyDelete(work);
    }
  }

  private static boolean full(IOException e, Path dir) {
    if (String.valueOf(e.getMessage()).contains("No space left on device")) {
      return true;
    }
    try {
      // The message is localised on some systems; what is left on the filesystem is not.
      return Files.getFileStore(dir).getUsableSpace() < NEARLY_FULL;
    } catch (IOException ignored) {
      return false;
    }
  }

  /** Cleanup after success or failure must not replace the outcome with its own error. */
  private static void quietlyDelete(Path p) {
    try {
      if (Files.isDirectory(p)) {
        FileTrees.deleteRecursively(p);
      } else {
        Files.deleteIfExists(p);
      }
    } catch (IOException ignored) {
      // a leftover temporary (dot-named, .partial) is recognisable as such
    }
  }

  private FsEntry espTree(Kernel kernel, Path initrd, String cmdline, long t) throws IOException {
    FsEntry esp = FsEntry.directory("/", 0755, 0, 0, t);
    if (boot.uefi()) {
      Uki uki =
          Uki.of(
              Uki.DEFAULT_STUB,
              osRelease(),
              cmdline,
              Uki.Payload.of(initrd),
              Uki.Payload.of(kernel.image()));
      FsEntry efiBoot =
          esp.add(FsEntry.directory("EFI", 0755, 0, 0, t))
              .add(FsEntry.directory("BOOT", 0755, 0, 0, t));
      efiBoot.add(FsEntry.file("BOOTX64.EFI", 0644, 0, 0, t, uki.size(), uki::open, null));
    }
    if (boot.bios()) {
      FsEntry dir = esp.add(FsEntry.directory(GrubBios.ESP_DIR, 0755, 0, 0, t));
      dir.add(file("vmlinuz", kernel.image(), t));
      dir.add(file("initrd.img", initrd, t));
      byte[] cfg = GrubBios.config(cmdline);
      dir.add(FsEntry.file("grub.cfg", 0644, 0, 0, t, cfg.length, FsEntry.Content.of(cfg), null));
    }
    return esp;
  }

  private static FsEntry file(String name, Path p, long t) throws IOException {
    return FsEntry.file(name, 0644, 0, 0, t, Files.size(p), () -> Files.newInputStream(p), null);
  }

  private static byte[] osRelease() {
    return ("NAME=oci2vm\nID=oci2vm\nPRETTY_NAME=\"oci2vm microVM\"\n")
        .getBytes(StandardCharsets.UTF_8);
  }

  private void writeGpt(RawDisk disk, DiskLayout l, GrubBios grub, byte[] identity)
      throws IOException {
    List<Gpt.Partition> parts = new ArrayList<>();
    // A BIOS-only disk's boot partition is FAT too, but typed XBOOTLDR so that UEFI firmware
    // (and oci2vm boot) do not take it for a bootable ESP.
    UUID espType = boot.uefi() ? Gpt.EFI_SYSTEM : XBOOTLDR;
    parts.add(
        new Gpt.Partition(
            espType,
            uuid(identity, "esp-part"),
            "ESP",
            l.espStart() / 512,
            (l.espStart() + l.espBytes()) / 512 - 1,
            0));
    parts.add(
        new Gpt.Partition(
            Gpt.LINUX_ROOT_X86_64,
            uuid(identity, "root-part"),
            "root",
            l.rootStart() / 512,
            (l.rootStart() + l.rootBytes()) / 512 - 1,
            0));
    if (grub != null) {
      parts.add(
          new Gpt.Partition(
              Gpt.BIOS_BOOT,
              uuid(identity, "bios-part"),
              "BIOS boot",
              l.biosStart() / 512,
              (l.biosStart() + DiskLayout.BIOS_BYTES) / 512 - 1,
              0));
    }
    Gpt.write(
        disk,
        uuid(identity, "disk"),
        parts,
        grub == null ? null : grub.mbrBootCode(l.biosStart() / 512));
  }

  static final UUID XBOOTLDR = UUID.fromString("bc13c2ff-59e6-4262-a352-b275fd6f7172");

  /** A version-5-style UUID from the conversion's identity and a purpose. */
  static UUID uuid(byte[] identity, String purpose) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(identity);
      md.update(purpose.getBytes(StandardCharsets.UTF_8));
      ByteBuffer b = ByteBuffer.wrap(md.digest());
      long msb = (b.getLong() & ~0xf000L) | 0x5000L;
      long lsb = (b.getLong() & 0x3fffffffffffffffL) | 0x8000000000000000L;
      return new UUID(msb, lsb);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
