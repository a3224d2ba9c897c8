package io.oci2vm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.oci2vm.fixtures.FixtureImage;
import io.oci2vm.fixtures.Fixtures;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The command line as users run it: the real executable jar, real kernel, real QEMU. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class CliIT {
  @TempDir Path tmp;

  private record Run(int status, String out, String err) {}

  /** Runs the shaded jar the way ./oci2vm does, in a fresh JVM. */
  private Run jar(String... args) throws Exception {
    Path jar = Path.of("target/oci2vm.jar").toAbsolutePath();
    List<String> cmd = new java.util.ArrayList<>(List.of("java", "-jar", jar.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile());
    pb.environment().put("OCI2VM_CACHE", tmp.resolve("cache").toString());
    pb.redirectOutput(tmp.resolve("out.txt").toFile());
    pb.redirectError(tmp.resolve("err.txt").toFile());
    Process p = pb.start();
    assertTrue(p.waitFor(4, TimeUnit.MINUTES), "timed out: " + cmd);
    return new Run(
        p.exitValue(),
        Files.readString(tmp.resolve("out.txt"), StandardCharsets.UTF_8),
        Files.readString(tmp.resolve("err.txt"), StandardCharsets.UTF_8));
  }

  @Test
  void demo_buildsConvertsAndBootsTheExample() throws Exception {
    Run r = jar("demo");
    assertEquals(0, r.status(), r.out() + r.err());
    assertTrue(r.out().contains("Hello from a microVM made by oci2vm!"), r.out());
    assertTrue(r.out().contains("address:   eth0 10.0.2.15"), r.out());
    assertTrue(r.out().contains("user:      uid=1000 gid=1000"), r.out());
    assertTrue(r.out().contains("oci2vm: exit status 0"), r.out());
    assertTrue(r.out().contains("The VM powered off with the app's exit status 0"), r.out());
    assertTrue(Files.isRegularFile(tmp.resolve("oci2vm-demo/bundle/oci2vm.json")));
  }

  @Test
  void convertThenBoot_exitStatusAndBootTimeOverrides() throws Exception {
    FixtureImage f = Fixtures.glibcApp();
    Path bundle = tmp.resolve("bundle");
    Run c = jar("convert", f.reference(), "-o", bundle.toString(), "-e", "GREETING=from-cli");
    assertEquals(0, c.status(), c.out() + c.err());
    assertTrue(c.out().contains("Boot it: oci2vm boot"), c.out());
    JsonNode meta = new ObjectMapper().readTree(bundle.resolve("oci2vm.json").toFile());
    assertTrue(meta.get("outputs").get("initrd.img").get("sha256").asText().startsWith("sha256:"));
    assertTrue(meta.get("kernel").get("modules").size() > 0);

    Run b = jar("boot", bundle.toString(), "--cmd", "two words", "--workdir", "/tmp");
    assertEquals(0, b.status(), b.out() + b.err());
    assertTrue(b.out().contains("argv[1]=two words"), b.out());
    assertTrue(b.out().contains("env GREETING=from-cli"), b.out());
    assertTrue(b.out().contains("cwd=/tmp"), b.out());

    Run bad = jar("boot", bundle.toString(), "--entrypoint", "/no/such/program");
    assertEquals(127, bad.status(), bad.out() + bad.err());
    assertTrue(bad.out().contains("oci2vm: exit status 127"), bad.out());
  }

  @Test
  void network_dhcpAtConvertTime_andIpArgumentAtBootTime() throws Exception {
    assertEquals(0, jar("demo").status());
    String image = "oci:" + tmp.resolve("oci2vm-demo/image") + ":demo";
    Path bundle = tmp.resolve("dhcp");
    assertEquals(
        0, jar("convert", image, "-o", bundle.toString(), "--network", "dhcp", "-q").status());
    Run dhcp = jar("boot", bundle.toString());
    assertEquals(0, dhcp.status(), dhcp.out() + dhcp.err());
    assertTrue(dhcp.out().contains("address:   eth0 10.0.2.15"), dhcp.out());

    Run fixed =
        jar(
            "boot",
            bundle.toString(),
            "--kernel-arg",
            "ip=10.0.2.77::10.0.2.2:255.255.255.0::eth0:off");
    assertEquals(0, fixed.status(), fixed.out() + fixed.err());
    assertTrue(fixed.out().contains("address:   eth0 10.0.2.77"), fixed.out());
  }

  @Test
  void kernelBuildAndLs_useTheMachinesKernelCache() throws Exception {
    // The converters module's KernelIT built the kernel into the machine's cache before this.
    String cache = Path.of(System.getProperty("user.home"), ".cache", "oci2vm").toString();
    Path image = tmp.resolve("kernel-image");
    Run build = jar("kernel", "build", "--cache-dir", cache, "-o", image.toString());
    assertEquals(0, build.status(), build.out() + build.err());
    assertTrue(
        build.out().matches("(?s)Kernel \\S+-oci2vm \\(config [0-9a-f]{16}\\).*"), build.out());
    assertTrue(build.out().contains("Kernel image: oci:" + image), build.out());
    assertTrue(Files.isRegularFile(image.resolve("index.json")));
    String release = build.out().split(" ", 3)[1];
    Path bundle = tmp.resolve("with-kernel-image");
    Run convert =
        jar(
            "convert",
            Fixtures.multiLayer().reference(),
            "-o",
            bundle.toString(),
            "--kernel-image",
            "oci:" + image + ":" + release);
    assertEquals(0, convert.status(), convert.out() + convert.err());
    assertTrue(
        convert
            .out()
            .contains("Kernel " + release + " (image oci:" + image + ":" + release + "@sha256:"),
        convert.out());
    Run ls = jar("kernel", "ls", "--cache-dir", cache);
    assertEquals(0, ls.status(), ls.err());
    assertTrue(
        ls.out().lines().anyMatch(l -> l.startsWith("built") && l.contains("-oci2vm")), ls.out());
  }

  @Test
  void convert_sameInputsTwice_givesIdenticalArtifacts() throws Exception {
    FixtureImage f = Fixtures.multiLayer();
    assertEquals(
        0, jar("convert", f.reference(), "-o", tmp.resolve("a").toString(), "-q").status());
    assertEquals(
        0, jar("convert", f.reference(), "-o", tmp.resolve("b").toString(), "-q").status());
    for (String name :
        List.of("vmlinuz", "initrd.img", "cmdline", "run-qemu.sh", "firecracker.json")) {
      assertEquals(
          -1L,
          Files.mismatch(tmp.resolve("a").resolve(name), tmp.resolve("b").resolve(name)),
          name);
    }
  }

  @Test
  void convert_badKernel_isClearErrorAndNoBundle() throws Exception {
    Path junk = Files.writeString(tmp.resolve("vmlinuz"), "not a kernel");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status =
        Main.run(
            new String[] {
              "convert", Fixtures.multiLayer().reference(), "-o", tmp.resolve("x").toString(),
              "--kernel", junk.toString(), "--cache-dir", tmp.resolve("c").toString()
            },
            new PrintWriter(out, true),
            new PrintWriter(err, true));
    assertEquals(Main.EXIT_FAILED, status);
    assertTrue(err.toString().startsWith("oci2vm: KERNEL_UNSUITABLE: "), err.toString());
    assertTrue(!Files.exists(tmp.resolve("x")));
  }

  @Test
  void convertToDisks_severalFormatsFromOneRun_thenBootTheQcow2() throws Exception {
    FixtureImage f = Fixtures.multiLayer();
    Path out = tmp.resolve("disks/app.qcow2");
    Run c =
        jar(
            "convert",
            f.reference(),
            "-o",
            out.toString(),
            "--format",
            "qcow2",
            "--format",
            "vhd",
            "--format",
            "vhd-dynamic",
            "--boot",
            "bios");
    assertEquals(0, c.status(), c.out() + c.err());
    assertTrue(Files.isRegularFile(out), c.out());
    assertTrue(Files.isRegularFile(tmp.resolve("disks/app.vhd")), c.out());
    assertTrue(Files.isRegularFile(tmp.resolve("disks/app-vhd-dynamic.vhd")), c.out());
    JsonNode meta = new ObjectMapper().readTree(tmp.resolve("disks/app.oci2vm.json").toFile());
    assertEquals("bios", meta.get("disk").get("boot").asText());
    assertEquals(3, meta.get("outputs").size(), meta.toString());
    try (var s = Files.list(tmp.resolve("disks"))) {
      assertEquals(4, s.count(), "three disks and the record, no leftovers");
    }

    Run b = jar("boot", out.toString());
    assertEquals(0, b.status(), b.out() + b.err());
    assertTrue(b.out().contains("oci2vm multiLayer app: argc="), b.out());
  }

  @Test
  void convertToDisk_fullOutputFilesystem_isDiskFullAndLeavesNothing() throws Exception {
    // A 6 MiB tmpfs in a private mount namespace: too small for the ESP's kernel alone.
    Path dir = Files.createDirectories(tmp.resolve("full"));
    Path jar = Path.of("target/oci2vm.jar").toAbsolutePath();
    String script =
        "mount -t tmpfs -o size=6m tmpfs \"$1\" && cd \"$1\" && java -jar \"$2\" convert \"$3\""
            + " -o \"$1/x.qcow2\" --format qcow2 --format raw --cache-dir \"$4\"; echo \"exit=$?\"; ls -A \"$1\" | sed 's/^/left: /'";
    Process p =
        new ProcessBuilder(
                "unshare",
                "-m",
                "--propagation",
                "private",
                "sh",
                "-c",
                script,
                "sh",
                dir.toString(),
                jar.toString(),
                Fixtures.debianNginx().reference(),
                tmp.resolve("cache").toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(4, TimeUnit.MINUTES));
    assertTrue(out.contains("exit=1"), out);
    assertTrue(out.contains("oci2vm: DISK_FULL: "), out);
    assertTrue(!out.contains("left: "), "nothing left in the full directory:\n" + out);
  }
}
