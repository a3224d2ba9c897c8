package io.oci2vm.internal.boot;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.oci2vm.internal.disk.ExternalTool;
import io.oci2vm.internal.disk.FsEntry;
import io.oci2vm.internal.disk.Gpt;
import io.oci2vm.internal.disk.RawDisk;
import io.oci2vm.internal.disk.fat.Fat32Writer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.cpio.CpioArchiveEntry;
import org.apache.commons.compress.archivers.cpio.CpioArchiveOutputStream;
import org.apache.commons.compress.archivers.cpio.CpioConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Boots a disk made only by our writers (GPT, FAT32 ESP, UKI at \EFI\BOOT\BOOTX64.EFI) under OVMF
 * in QEMU, with the host's kernel and the demo program as /init, and reads its greeting from the
 * serial console. TCG only: KVM hangs on the machines this project runs on.
 */
@Timeout(180)
class UefiBootIT {
  private static final long MIB = 1 << 20;
  private static final long MTIME = 1_700_000_000L;
  private static final Path OVMF_CODE = Path.of("/usr/share/OVMF/OVMF_CODE_4M.fd");
  private static final Path OVMF_VARS = Path.of("/usr/share/OVMF/OVMF_VARS_4M.fd");
  private static final String DEMO = "/io/oci2vm/demo/hello";

  @TempDir Path tmp;

  @Test
  void boot_gptFat32Uki_demoGreetsOnSerial() throws IOException {
    ExternalTool.require("qemu-system-x86_64", "qemu-system-x86");
    assertTrue(Files.isRegularFile(OVMF_CODE), "OVMF is missing: install the Debian package ovmf");
    Path kernel = newestHostKernel();
    byte[] initramfs = initramfs(demoBinary());

    Uki uki =
        Uki.of(
            Uki.DEFAULT_STUB,
            "ID=oci2vm\n".getBytes(StandardCharsets.UTF_8),
            "console=ttyS0 panic=-1",
            Uki.Payload.of(initramfs),
            Uki.Payload.of(kernel));
    FsEntry root = FsEntry.directory("", 0755, 0, 0, MTIME);
    FsEntry boot =
        root.add(FsEntry.directory("EFI", 0755, 0, 0, MTIME))
            .add(FsEntry.directory("BOOT", 0755, 0, 0, MTIME));
    boot.add(FsEntry.file("BOOTX64.EFI", 0644, 0, 0, MTIME, uki.size(), uki.content(), null));

    long espBytes = roundUp(Fat32Writer.minimumSize(root), MIB);
    long espFirst = MIB / Gpt.SECTOR;
    Path disk = tmp.resolve("disk.img");
    try (RawDisk raw = RawDisk.create(disk, MIB + espBytes + MIB)) {
      Gpt.Partition esp =
          new Gpt.Partition(
              Gpt.EFI_SYSTEM,
              UUID.nameUUIDFromBytes("esp".getBytes(StandardCharsets.UTF_8)),
              "EFI system partition",
              espFirst,
              espFirst + espBytes / Gpt.SECTOR - 1,
              0);
      Gpt.write(
          raw, UUID.nameUUIDFromBytes("disk".getBytes(StandardCharsets.UTF_8)), List.of(esp), null);
      Fat32Writer.write(
          root, raw.slice(esp.offsetBytes(), esp.sizeBytes()), "ESP", 0x0C12F00D, MTIME);
    }
    Path vars = Files.copy(OVMF_VARS, tmp.resolve("OVMF_VARS_4M.fd"));

    ExternalTool.Result run =
        ExternalTool.run(
            Duration.ofSeconds(120),
            "qemu-system-x86_64",
            "-machine",
            "q35",
            "-m",
            "512",
            // Not -nographic: it already puts the serial port (and monitor) on stdio.
            "-display",
            "none",
            "-monitor",
            "none",
            "-no-reboot",
            "-drive",
            "if=pflash,format=raw,readonly=on,file=" + OVMF_CODE,
            "-drive",
            "if=pflash,format=raw,file=" + vars,
            "-drive",
            "file=" + disk + ",format=raw,if=virtio",
            "-serial",
            "stdio");

    String serial = run.output();
    String tail = serial.substring(Math.max(0, serial.length() - 6000));
    assertTrue(serial.contains("Hello!"), "no greeting on the serial console:\n" + tail);
    assertTrue(
        serial.contains("This program came from a container image"),
        "no demo output on the serial console:\n" + tail);
  }

  /** The newest /boot/vmlinuz-*: the host's kernel has the EFI stub and a serial console. */
  private static Path newestHostKernel() throws IOException {
    try (Stream<Path> files = Files.list(Path.of("/boot"))) {
      Path kernel =
          files
              .filter(p -> p.getFileName().toString().startsWith("vmlinuz-"))
              .filter(Files::isReadable)
              .max(Comparator.comparing(UefiBootIT::modified))
              .orElse(null);
      assertNotNull(kernel, "no readable /boot/vmlinuz-*: install linux-image-cloud-amd64");
      return kernel;
    }
  }

  private static long modified(Path p) {
    try {
      return Files.getLastModifiedTime(p).toMillis();
    } catch (IOException e) {
      return 0;
    }
  }

  private static byte[] demoBinary() throws IOException {
    try (InputStream in = UefiBootIT.class.getResourceAsStream(DEMO)) {
      assertNotNull(
          in, DEMO + " was not built: run 'mvn compile -pl converters -am' (needs musl-gcc)");
      return in.readAllBytes();
    }
  }

  /** A newc initramfs: /dev/console (the kernel opens it for init's output) and /init. */
  private static byte[] initramfs(byte[] init) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (CpioArchiveOutputStream cpio =
        new CpioArchiveOutputStream(bytes, CpioConstants.FORMAT_NEW, 512, "US-ASCII")) {
      CpioArchiveEntry dev = new CpioArchiveEntry(CpioConstants.FORMAT_NEW, "dev");
      dev.setMode(CpioConstants.C_ISDIR | 0755);
      dev.setNumberOfLinks(2);
      cpio.putArchiveEntry(dev);
      cpio.closeArchiveEntry();
      CpioArchiveEntry console = new CpioArchiveEntry(CpioConstants.FORMAT_NEW, "dev/console");
      console.setMode(CpioConstants.C_ISCHR | 0600);
      console.setRemoteDeviceMaj(5);
      console.setRemoteDeviceMin(1);
      console.setNumberOfLinks(1);
      cpio.putArchiveEntry(console);
      cpio.closeArchiveEntry();
      CpioArchiveEntry entry = new CpioArchiveEntry(CpioConstants.FORMAT_NEW, "init");
      entry.setMode(CpioConstants.C_ISREG | 0755);
      entry.setSize(init.length);
      entry.setNumberOfLinks(1);
      cpio.putArchiveEntry(entry);
      cpio.write(init);
      cpio.closeArchiveEntry();
    }
    return bytes.toByteArray();
  }

  private static long roundUp(long value, long unit) {
    return (value + unit - 1) / unit * unit;
  }
}
