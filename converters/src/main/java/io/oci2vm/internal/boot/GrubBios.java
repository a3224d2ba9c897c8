package io.oci2vm.internal.boot;

import io.oci2vm.ErrorCode;
import io.oci2vm.Oci2vmException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * BIOS boot with GRUB from Debian's grub-pc-bin, placed by our code the way grub-bios-setup places
 * it on a GPT disk: {@code boot.img}'s code in the MBR, pointing at {@code core.img} in the BIOS
 * boot partition. core.img is a fixed image (modules for GPT, FAT and Linux, prefix {@code
 * (,gpt1)/oci2vm}) built once with grub-mkimage and cached, so every disk uses identical bytes; the
 * per-disk part is {@code /oci2vm/grub.cfg} on the ESP (partition 1).
 */
public final class GrubBios {
  /** Where Debian's grub-pc-bin keeps the i386-pc images and modules. */
  public static final Path DEFAULT_DIR = Path.of("/usr/lib/grub/i386-pc");

  /** The ESP directory GRUB reads its config (and the kernel and initrd) from. */
  public static final String ESP_DIR = "oci2vm";

  static final List<String> MODULES =
      List.of("biosdisk", "part_gpt", "fat", "normal", "linux", "boot", "echo");
  static final String PREFIX = "(,gpt1)/" + ESP_DIR;

  // Offsets in GRUB 2.06's boot.img (boot.S) and diskboot.img (diskboot.S).
  private static final int KERNEL_SECTOR = 0x5c;
  private static final int DRIVE_CHECK = 0x66;
  private static final int BLOCKLIST_START = 0x1f4;

  private final byte[] bootImg;
  private final byte[] coreImg;

  private GrubBios(byte[] bootImg, byte[] coreImg) {
    this.bootImg = bootImg;
    this.coreImg = coreImg;
  }

  /**
   * Loads boot.img and the cached core.img, building core.img with grub-mkimage on first use.
   *
   * @param grubDir the i386-pc directory of grub-pc-bin
   * @param cacheDir oci2vm's cache root
   */
  public static GrubBios load(Path grubDir, Path cacheDir) throws IOException {
    Path boot = grubDir.resolve("boot.img");
    if (!Files.isRegularFile(boot) || !Files.isRegularFile(grubDir.resolve("kernel.img"))) {
      throw missing(grubDir + " has no boot.img or kernel.img");
    }
    byte[] bootImg = Files.readAllBytes(boot);
    if (bootImg.length != 512
        || (bootImg[510] & 0xff) != 0x55
        || (bootImg[511] & 0xff) != 0xaa
        || (bootImg[DRIVE_CHECK] & 0xff) != 0xeb) {
      throw new Oci2vmException(
          ErrorCode.BOOTLOADER_NOT_FOUND,
          boot + " is not the GRUB 2 boot.img oci2vm knows how to place (GRUB 2.06)");
    }
    Path dir = cacheDir.resolve("bootloaders").resolve("grub-" + recipeHash(grubDir));
    Path core = dir.resolve("core.img");
    if (!Files.isRegularFile(core)) {
      build(grubDir, dir, core);
    }
    byte[] coreImg = Files.readAllBytes(core);
    if (coreImg.length < 1024 || coreImg.length > 1000 * 512) {
      throw new IOException(core + " has an unexpected size " + coreImg.length);
    }
    return new GrubBios(bootImg, coreImg);
  }

  /** The bytes core.img needs in the BIOS boot partition. */
  public int coreSize() {
    return coreImg.length;
  }

  /**
   * The 440 bytes of MBR boot code, pointing at core.img placed at {@code partitionLba}.
   *
   * @param partitionLba the first sector of the BIOS boot partition
   */
  public byte[] mbrBootCode(long partitionLba) {
    byte[] b = bootImg.clone();
    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(KERNEL_SECTOR, partitionLba);
    // A hard disk: trust DL only when it looks like one; buggy BIOSes pass 0 (as grub-bios-setup).
    b[DRIVE_CHECK] = (byte) 0x90;
    b[DRIVE_CHECK + 1] = (byte) 0x90;
    return java.util.Arrays.copyOf(b, 440);
  }

  /** core.img with its first sector's block list pointing at the rest of it. */
  public byte[] coreImage(long partitionLba) {
    byte[] c = coreImg.clone();
    ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN).putLong(BLOCKLIST_START, partitionLba + 1);
    return c;
  }

  /** The grub.cfg that boots the kernel and initrd on the ESP with {@code cmdline}. */
  public static byte[] config(String cmdline) {
    String cfg =
        "# written by oci2vm: BIOS boot of the same kernel the UKI carries\n"
            + "set timeout=0\n"
            + "linux /"
            + ESP_DIR
            + "/vmlinuz "
            + cmdline
            + "\ninitrd /"
            + ESP_DIR
            + "/initrd.img\nboot\n";
    return cfg.getBytes(StandardCharsets.UTF_8);
  }

  private static void build(Path grubDir, Path dir, Path core) throws IOException {
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "core-", ".img");
    List<String> argv =
        new ArrayList<>(
            List.of(
                "grub-mkimage",
                "-O",
                "i386-pc",
                "-d",
                grubDir.toString(),
                "-p",
                PREFIX,
                "-o",
                tmp.toString()));
    argv.addAll(MODULES);
    Process p;
    try {
      p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    } catch (IOException e) {
      Files.deleteIfExists(tmp);
      throw missing("grub-mkimage cannot run (" + e.getMessage() + ")");
    }
    try {
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new Oci2vmException(
            ErrorCode.BOOTLOADER_NOT_FOUND, "grub-mkimage failed: " + out.strip());
      }
      Files.move(tmp, core, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running grub-mkimage", e);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Hash of what core.img is made of: the recipe and the module files it takes. */
  private static String recipeHash(Path grubDir) throws IOException {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(
          (PREFIX + "\n" + String.join(" ", MODULES) + "\n").getBytes(StandardCharsets.UTF_8));
      for (String f : List.of("kernel.img", "lzma_decompress.img", "diskboot.img", "moddep.lst")) {
        Path p = grubDir.resolve(f);
        if (Files.isRegularFile(p)) {
          md.update(Files.readAllBytes(p));
        }
      }
      return HexFormat.of().formatHex(md.digest()).substring(0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Oci2vmException missing(String why) {
    return new Oci2vmException(
        ErrorCode.BOOTLOADER_NOT_FOUND,
        "BIOS boot needs GRUB from Debian's grub-pc-bin: "
            + why
            + "; install it (scripts/setup) or convert with --boot uefi");
  }
}
