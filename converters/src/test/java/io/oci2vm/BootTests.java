package io.oci2vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.oci2vm.fixtures.Fixtures;
import io.oci2vm.fixtures.RegistryLauncher;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Images pulled from a real registry, converted to bundles and booted under QEMU (TCG here): the
 * app's output appears and its exit status is the VM's. Each subclass runs every test with one
 * kernel: the installed Debian kernel, and oci2vm's own.
 */
@Timeout(value = 20, unit = TimeUnit.MINUTES)
abstract class BootTests {
  @TempDir static Path tmp;
  static RegistryLauncher registry;

  @BeforeAll
  static void startRegistry() {
    registry = RegistryLauncher.start();
    registry.push(Fixtures.multiLayer(), "fixtures/multilayer:latest");
    registry.push(Fixtures.glibcApp(), "fixtures/glibcapp:latest");
    registry.push(Fixtures.debianNginx(), "fixtures/debiannginx:latest");
    registry.push(Fixtures.debianJvm(), "fixtures/debianjvm:latest");
    registry.push(Fixtures.debianKernel(), "kernels/debian:cloud");
  }

  @AfterAll
  static void stopRegistry() {
    if (registry != null) {
      registry.close();
    }
  }

  /** The kernel every bundle of this class uses. */
  abstract KernelSource kernel();

  /** Whether that kernel needs virtio_net as a module (else it is built in). */
  abstract boolean modular();

  BundleResult convert(String repo, String name, AppOverrides overrides) {
    return Conversion.from(ImageSource.parse(registry.address() + "/" + repo))
        .cacheDir(tmp.resolve("cache"))
        .writeBundle(
            tmp.resolve(getClass().getSimpleName() + "-" + name),
            SlimPolicy.DEFAULT,
            kernel(),
            overrides);
  }

  /** Boots a bundle to the end; returns exit status and console. */
  static Run boot(Path bundle, AppOverrides overrides) throws InterruptedException {
    return boot(bundle, overrides, tmp.resolve("cache"));
  }

  /** Boots a bundle to the end, remembering the KVM verdict under {@code cacheDir}. */
  static Run boot(Path bundle, AppOverrides overrides, Path cacheDir) throws InterruptedException {
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    try (Vm vm = Vm.bundle(bundle).overrides(overrides).cacheDir(cacheDir).start(console)) {
      int status = vm.waitForExit(Duration.ofMinutes(3));
      System.out.printf(
          "%s: app started %.2f s after QEMU (%s)%n",
          bundle.getFileName(), vm.bootToAppSeconds(), vm.kvm() ? "KVM" : "TCG");
      return new Run(status, console.toString(StandardCharsets.UTF_8));
    }
  }

  record Run(int status, String console) {}

  @Test
  void multiLayer_fromRegistry_bootsAndPrintsArgv() throws Exception {
    BundleResult b = convert("fixtures/multilayer:latest", "multilayer", AppOverrides.NONE);
    Run r = boot(b.dir(), AppOverrides.NONE);
    assertEquals(0, r.status(), r.console());
    assertTrue(r.console().contains("oci2vm multiLayer app: argc="), r.console());
    assertTrue(r.console().contains("oci2vm: exit status 0"), r.console());
  }

  @Test
  void glibcApp_fromRegistry_honoursImageConfig() throws Exception {
    BundleResult b = convert("fixtures/glibcapp:latest", "glibc", AppOverrides.NONE);
    assertEquals(modular(), b.modules().contains("virtio_net"), b.modules().toString());
    Run r = boot(b.dir(), AppOverrides.NONE);
    assertEquals(0, r.status(), r.console());
    String c = r.console();
    assertTrue(c.contains("argv[0]=hello") || c.contains("argv[0]=/usr/local/bin/hello"), c);
    assertTrue(c.contains("argv[1]=world"), c);
    assertTrue(c.contains("env GREETING=hello-from-config"), c);
    assertTrue(c.contains("cwd=/srv/app"), c);
    assertTrue(c.contains("uid=1000 gid=1000 user=app"), c);
  }

  @Test
  void glibcApp_overridesAtConvertAndBootTime_areHonoured() throws Exception {
    AppOverrides atConvert =
        new AppOverrides(
            List.of("/usr/local/bin/hello", "from-entrypoint"),
            List.of("from cmd"),
            List.of("GREETING=converted"),
            "0:0",
            "/tmp",
            "custom");
    BundleResult b = convert("fixtures/glibcapp:latest", "glibc-overridden", atConvert);
    Run r = boot(b.dir(), AppOverrides.NONE);
    String c = r.console();
    assertEquals(0, r.status(), c);
    assertTrue(c.contains("argv[1]=from-entrypoint"), c);
    assertTrue(c.contains("argv[2]=from cmd"), c);
    assertTrue(c.contains("env GREETING=converted"), c);
    assertTrue(c.contains("cwd=/tmp"), c);
    assertTrue(c.contains("uid=0 gid=0 user=root"), c);

    AppOverrides atBoot =
        new AppOverrides(
            null, List.of("at", "boot time"), List.of("GREETING=booted"), "app", "/srv/app", null);
    r = boot(b.dir(), atBoot);
    c = r.console();
    assertEquals(0, r.status(), c);
    assertTrue(c.contains("argv[1]=from-entrypoint"), c);
    assertTrue(c.contains("argv[2]=at"), c);
    assertTrue(c.contains("argv[3]=boot time"), c);
    assertTrue(c.contains("env GREETING=booted"), c);
    assertTrue(c.contains("cwd=/srv/app"), c);
    assertTrue(c.contains("uid=1000 gid=1000 user=app"), c);
  }

  @Test
  void debianNginx_servesHttpThroughForwardedPort_andPowerButtonStopsIt() throws Exception {
    BundleResult b = convert("fixtures/debiannginx:latest", "nginx", AppOverrides.NONE);
    String body = serveAndStop(b, 80, "256M", 0);
    assertTrue(body.contains("Welcome to nginx!"), body);
  }

  @Test
  void debianJvm_servesHttpThroughForwardedPort_andPowerButtonStopsIt() throws Exception {
    BundleResult b = convert("fixtures/debianjvm:latest", "jvm", AppOverrides.NONE);
    assertTrue(b.report().unresolved().isEmpty(), b.report().unresolved().toString());
    // The JVM exits 143 (128 + SIGTERM) after running its shutdown hooks.
    String body = serveAndStop(b, 8080, "1G", 143);
    assertTrue(body.contains("Hello from the JVM in an oci2vm microVM"), body);
  }

  /**
   * Boots a server bundle with a forwarded port, returns the first 200 body, then presses the power
   * button and checks the app exits 0 and the VM powers off without a panic.
   */
  private String serveAndStop(BundleResult b, int guestPort, String memory, int expectedStatus)
      throws Exception {
    int port = HttpProbe.freePort();
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    try (Vm vm =
        Vm.bundle(b.dir())
            .forward(port, guestPort)
            .memory(memory)
            .cacheDir(tmp.resolve("cache"))
            .start(console)) {
      assertTrue(vm.awaitAppStart(Duration.ofMinutes(2)), console.toString());
      String body = HttpProbe.firstOk(port, Duration.ofSeconds(120));
      System.out.printf(
          "%s: app started %.2f s after QEMU, answered HTTP (%s)%n",
          b.dir().getFileName(), vm.bootToAppSeconds(), vm.kvm() ? "KVM" : "TCG");
      assertTrue(body != null, "the server answered through the forwarded port\n" + console);
      vm.powerdown();
      int status = vm.waitForExit(Duration.ofMinutes(1));
      String c = console.toString(StandardCharsets.UTF_8);
      assertTrue(
          status == 0 || status == 143, "clean exit after SIGTERM, got " + status + "\n" + c);
      assertTrue(c.contains("oci2vm: exit status " + status), c);
      assertTrue(!c.contains("Kernel panic"), c);
      return body;
    }
  }

  @Test
  void shellEntrypoint_nonZeroExit_isTheVmsStatus() throws Exception {
    AppOverrides sh =
        new AppOverrides(
            List.of("/bin/sh", "-c"),
            List.of("echo from the shell; exit 7"),
            List.of(),
            null,
            null,
            null);
    BundleResult b = convert("fixtures/debiannginx:latest", "sh-exit", sh);
    Run r = boot(b.dir(), AppOverrides.NONE);
    assertEquals(7, r.status(), r.console());
    assertTrue(r.console().contains("from the shell"), r.console());
    assertTrue(r.console().contains("oci2vm: exit status 7"), r.console());
  }
}
