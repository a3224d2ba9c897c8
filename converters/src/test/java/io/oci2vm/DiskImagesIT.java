package io.oci2vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.oci2vm.fixtures.Fixtures;
import io.oci2vm.fixtures.RegistryLauncher;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Disk images from real registry pulls, checked by the external oracles (e2fsck, debugfs,
 * fsck.vfat, qemu-img) and booted under QEMU with OVMF (UEFI) and SeaBIOS (BIOS). The kernel is the
 * installed Debian cloud kernel, whose disk drivers are modules in the small initramfs.
 */
@Timeout(value = 30, unit = TimeUnit.MINUTES)
class DiskImagesIT {
  @TempDir static Path tmp;
  static RegistryLauncher registry;

  @BeforeAll
  static void startRegistry() {
    registry = RegistryLauncher.start();
    registry.push(Fixtures.multiLayer(), "fixtures/multilayer:latest");
    registry.push(Fixtures.debianNginx(), "fixtures/debiannginx:latest");
    registry.push(Fixtures.glibcApp(), "fixtures/glibcapp:latest");
    registry.push(Fixtures.debianJvm(), "fixtures/debianjvm:latest");
  }

  @AfterAll
  static void stopRegistry() {
    if (registry != null) {
      registry.close();
    }
  }

  static Conversion conversion(String repo) {
    return Conversion.from(ImageSource.parse(registry.address() + "/" + repo))
        .cacheDir(tmp.resolve("cache"));
  }

  @Test
  void debianNginx_rawAndQcow2_serveHttpUnderUefiAndBios() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("nginx"));
    Map<DiskFormat, Path> out = new LinkedHashMap<>();
    out.put(DiskFormat.RAW, dir.resolve("nginx.img"));
    out.put(DiskFormat.QCOW2, dir.resolve("nginx.qcow2"));
    DiskResult r =
        conversion("fixtures/debiannginx:latest")
            .writeDisks(
                out,
                DiskOptions.DEFAULTS,
                SlimPolicy.DEFAULT,
                KernelSource.host(),
                AppOverrides.NONE);
    assertTrue(Files.isRegularFile(r.metadata()), "oci2vm.json beside the disks");
    checkFilesystems(out.get(DiskFormat.RAW), "fixtures/debiannginx:latest");
    qemuImg("check", "-f", "qcow2", out.get(DiskFormat.QCOW2).toString());
    qemuImg(
        "compare",
        "-f",
        "raw",
        "-F",
        "qcow2",
        out.get(DiskFormat.RAW).toString(),
        out.get(DiskFormat.QCOW2).toString());
    for (Path disk : out.values()) {
      for (BootMode fw : List.of(BootMode.UEFI, BootMode.BIOS)) {
        String body = serveAndStop(disk, fw, 80);
        assertTrue(body.contains("Welcome to nginx!"), body);
      }
    }
  }

  @Test
  void everyOtherFormat_passesQemuImg_andBoots() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("all"));
    Map<DiskFormat, Path> out = new LinkedHashMap<>();
    for (DiskFormat f : DiskFormat.values()) {
      out.put(f, dir.resolve("multi-" + f.id() + "." + f.extension()));
    }
    DiskResult r =
        conversion("fixtures/multilayer:latest")
            .writeDisks(
                out,
                DiskOptions.DEFAULTS,
                SlimPolicy.DEFAULT,
                KernelSource.host(),
                AppOverrides.NONE);
    Path raw = out.get(DiskFormat.RAW);
    checkFilesystems(raw, "fixtures/multilayer:latest");
    for (var e : out.entrySet()) {
      DiskFormat f = e.getKey();
      String q = qemuFormat(f);
      Path file = e.getValue();
      if (f == DiskFormat.OVA) {
        file = extractVmdk(file, dir.resolve("from-ova.vmdk"));
      }
      if (List.of("qcow2", "vmdk", "vhdx", "vdi").contains(q)) {
        qemuImg("check", "-f", q, file.toString());
      }
      qemuImg("compare", "-f", "raw", "-F", q, raw.toString(), file.toString());
      assertEquals(Files.size(e.getValue()), r.sizes().get(f), f.id());
    }
    // Each format boots once; BIOS for most (faster under TCG), UEFI for a few.
    for (var e : out.entrySet()) {
      if (e.getKey() == DiskFormat.RAW || e.getKey() == DiskFormat.QCOW2) {
        continue; // booted by the nginx test
      }
      BootMode fw =
          List.of(DiskFormat.VHDX, DiskFormat.OVA).contains(e.getKey())
              ? BootMode.UEFI
              : BootMode.BIOS;
      Run run = boot(e.getValue(), fw);
      assertEquals(0, run.status(), e.getKey() + " under " + fw + "\n" + run.console());
      assertTrue(run.console().contains("oci2vm multiLayer app: argc="), run.console());
    }
  }

  @Test
  void otherFixtures_passTheFilesystemCheckers() throws Exception {
    // multiLayer and debianNginx are checked above; these complete the app fixtures.
    for (String repo : List.of("fixtures/glibcapp:latest", "fixtures/debianjvm:latest")) {
      Path raw = tmp.resolve(repo.replaceAll("[/:]", "-") + ".img");
      conversion(repo)
          .writeDisks(
              Map.of(DiskFormat.RAW, raw),
              DiskOptions.DEFAULTS,
              SlimPolicy.DEFAULT,
              KernelSource.host(),
              AppOverrides.NONE);
      checkFilesystems(raw, repo);
      Files.delete(raw);
    }
  }

  @Test
  void rootFilesystem_isWritable_andKeepsWhatTheAppWrote() throws Exception {
    AppOverrides sh =
        new AppOverrides(
            List.of("/bin/sh", "-c"),
            List.of(
                "if [ -f /var/state ]; then echo \"state: $(cat /var/state)\"; exit 5; fi;"
                    + " echo written-in-the-vm > /var/state && sync && echo wrote it"),
            List.of(),
            null,
            null,
            null);
    Path disk = tmp.resolve("state.qcow2");
    conversion("fixtures/debiannginx:latest")
        .writeDisks(
            Map.of(DiskFormat.QCOW2, disk),
            new DiskOptions(BootMode.BIOS, 0),
            SlimPolicy.DEFAULT,
            KernelSource.host(),
            sh);
    Run first = boot(disk, BootMode.BIOS);
    assertEquals(0, first.status(), first.console());
    assertTrue(first.console().contains("wrote it"), first.console());
    Run second = boot(disk, BootMode.BIOS);
    assertEquals(5, second.status(), second.console());
    assertTrue(second.console().contains("state: written-in-the-vm"), second.console());
    qemuImg("check", "-f", "qcow2", disk.toString());
  }

  @Test
  void diskSize_tooSmall_isAClearErrorAndWritesNothing() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("small"));
    Oci2vmException e =
        assertThrows(
            Oci2vmException.class,
            () ->
                conversion("fixtures/debiannginx:latest")
                    .writeDisks(
                        Map.of(DiskFormat.QCOW2, dir.resolve("x.qcow2")),
                        new DiskOptions(BootMode.HYBRID, 40L << 20),
                        SlimPolicy.DEFAULT,
                        KernelSource.host(),
                        AppOverrides.NONE));
    assertEquals(ErrorCode.DISK_TOO_SMALL, e.code());
    assertTrue(e.getMessage().contains("at least"), e.getMessage());
    try (Stream<Path> s = Files.list(dir)) {
      assertEquals(List.of(), s.toList(), "nothing left behind");
    }
  }

  @Test
  void sameInput_givesIdenticalDisks() throws Exception {
    Path a = tmp.resolve("same-a.qcow2");
    Path b = tmp.resolve("same-b.qcow2");
    for (Path p : List.of(a, b)) {
      conversion("fixtures/multilayer:latest")
          .writeDisks(
              Map.of(DiskFormat.QCOW2, p),
              DiskOptions.DEFAULTS,
              SlimPolicy.DEFAULT,
              KernelSource.host(),
              AppOverrides.NONE);
    }
    assertEquals(-1L, Files.mismatch(a, b), "byte-identical");
  }

  /** e2fsck and debugfs on the root, fsck.vfat on the ESP, contents against the slimmed tree. */
  static void checkFilesystems(Path raw, String repo) throws Exception {
    Map<String, long[]> parts = partitions(raw);
    Path root = extract(raw, parts.get("root"), tmp.resolve("root-" + raw.getFileName()));
    Path esp = extract(raw, parts.get("ESP"), tmp.resolve("esp-" + raw.getFileName()));
    run(List.of("e2fsck", "-fn", root.toString()), 0);
    run(List.of("fsck.vfat", "-n", esp.toString()), 0);
    String dir = run(List.of("mdir", "-i", esp.toString(), "-/", "::"), 0);
    assertTrue(dir.contains("BOOTX64") && dir.contains("grub"), dir);
    Path dump = Files.createDirectories(tmp.resolve("dump-" + raw.getFileName()));
    run(List.of("debugfs", "-R", "rdump / " + dump, root.toString()), 0);
    Path tar = tmp.resolve("expected-" + raw.getFileName() + ".tar");
    conversion(repo).writeRootfsTar(tar, SlimPolicy.DEFAULT);
    Map<String, TreeSnapshot.Meta> expected = TreeSnapshot.ofTar(tar);
    Map<String, TreeSnapshot.Meta> actual = new TreeMap<>(TreeSnapshot.ofDirectory(dump));
    // rdump puts the root's children under a directory named after "/": strip nothing else.
    actual.keySet().removeIf(k -> k.equals("lost+found") || k.startsWith("lost+found/"));
    for (String mount : List.of("dev", "proc", "sys", "run", "tmp")) {
      if (!expected.containsKey(mount)) {
        actual.remove(mount);
      }
    }
    // debugfs does not recreate device nodes or FIFOs; the ext4 tests check those directly.
    expected.values().removeIf(m -> List.of("char", "block", "fifo").contains(m.type()));
    // debugfs's rdump restores only the 0777 bits: compare those here, the rest through stat.
    Map<String, TreeSnapshot.Meta> special = new TreeMap<>();
    expected.replaceAll(
        (path, m) -> {
          if ((m.mode() & 07000) != 0) {
            special.put(path, m);
          }
          return withMode(m, m.mode() & 0777);
        });
    actual.replaceAll((path, m) -> withMode(m, m.mode() & 0777));
    assertEquals("", TreeSnapshot.diff(expected, actual), "ext4 content equals the slimmed tree");
    for (var e : special.entrySet()) {
      String stat =
          run(List.of("debugfs", "-R", "stat \"/" + e.getKey() + "\"", root.toString()), 0);
      String mode = String.format("Mode:  %05o", e.getValue().mode());
      assertTrue(stat.contains(mode), e.getKey() + " has " + mode + ":\n" + stat);
    }
  }

  static TreeSnapshot.Meta withMode(TreeSnapshot.Meta m, int mode) {
    return new TreeSnapshot.Meta(m.type(), mode, m.uid(), m.gid(), m.link(), m.sha256());
  }

  /** GPT partitions of a raw disk by name: {first byte, length}. */
  static Map<String, long[]> partitions(Path raw) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(34 * 512).order(ByteOrder.LITTLE_ENDIAN);
    try (FileChannel ch = FileChannel.open(raw)) {
      ch.read(b, 0);
    }
    assertEquals("EFI PART", new String(b.array(), 512, 8, StandardCharsets.US_ASCII));
    Map<String, long[]> out = new LinkedHashMap<>();
    for (int i = 0; i < 128; i++) {
      int off = 1024 + i * 128;
      long first = b.getLong(off + 32);
      long last = b.getLong(off + 40);
      if (first == 0) {
        continue;
      }
      String name =
          new String(b.array(), off + 56, 72, StandardCharsets.UTF_16LE).replace("\0", "");
      out.put(name, new long[] {first * 512, (last - first + 1) * 512});
    }
    return out;
  }

  static Path extract(Path raw, long[] part, Path to) throws IOException {
    try (FileChannel in = FileChannel.open(raw);
        FileChannel out =
            FileChannel.open(
                to,
                java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE,
                java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
      long done = 0;
      while (done < part[1]) {
        done += in.transferTo(part[0] + done, part[1] - done, out.position(done));
      }
    }
    return to;
  }

  static Path extractVmdk(Path ova, Path to) throws IOException {
    try (org.apache.commons.compress.archivers.tar.TarFile t =
        new org.apache.commons.compress.archivers.tar.TarFile(ova)) {
      List<String> names = new ArrayList<>();
      for (var e : t.getEntries()) {
        names.add(e.getName());
        if (e.getName().endsWith(".vmdk")) {
          try (var in = t.getInputStream(e)) {
            Files.copy(in, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
          }
        }
      }
      assertTrue(names.get(0).endsWith(".ovf"), "the OVF descriptor comes first: " + names);
    }
    return to;
  }

  static String qemuFormat(DiskFormat f) {
    return switch (f) {
      case RAW -> "raw";
      case QCOW2 -> "qcow2";
      case VMDK, VMDK_STREAM, OVA -> "vmdk";
      case VHD, VHD_DYNAMIC -> "vpc";
      case VHDX -> "vhdx";
      case VDI -> "vdi";
    };
  }

  static void qemuImg(String... args) throws Exception {
    List<String> argv = new ArrayList<>(List.of("qemu-img"));
    argv.addAll(List.of(args));
    run(argv, 0);
  }

  static String run(List<String> argv, int expected) throws Exception {
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(5, TimeUnit.MINUTES), argv + " finished");
    assertEquals(expected, p.exitValue(), argv + "\n" + out);
    return out;
  }

  record Run(int status, String console) {}

  static Run boot(Path disk, BootMode fw) throws InterruptedException {
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    try (Vm vm = Vm.disk(disk).firmware(fw).cacheDir(tmp.resolve("cache")).start(console)) {
      int status = vm.waitForExit(Duration.ofMinutes(4));
      System.out.printf(
          "%s under %s: app started %.2f s after QEMU%n",
          disk.getFileName(), fw, vm.bootToAppSeconds());
      return new Run(status, console.toString(StandardCharsets.UTF_8));
    }
  }

  /** Boots a server disk with a forwarded port, returns the first 200 body, powers it off. */
  static String serveAndStop(Path disk, BootMode fw, int guestPort) throws Exception {
    int port = HttpProbe.freePort();
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    try (Vm vm =
        Vm.disk(disk)
            .firmware(fw)
            .forward(port, guestPort)
            .cacheDir(tmp.resolve("cache"))
            .start(console)) {
      assertTrue(vm.awaitAppStart(Duration.ofMinutes(3)), console.toString());
      String body = HttpProbe.firstOk(port, Duration.ofSeconds(120));
      System.out.printf(
          "%s under %s: app started %.2f s after QEMU, answered HTTP%n",
          disk.getFileName(), fw, vm.bootToAppSeconds());
      assertTrue(body != null, "the server answered through the forwarded port\n" + console);
      vm.powerdown();
      int status = vm.waitForExit(Duration.ofMinutes(1));
      String c = console.toString(StandardCharsets.UTF_8);
      assertEquals(0, status, c);
      assertFalse(c.contains("Kernel panic"), c);
      return body;
    }
  }
}
