package io.oci2vm.internal.disk.format;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs qemu-img, the oracle for the format tests. */
final class QemuImg {
  record Result(int exit, String output) {}

  private QemuImg() {}

  static Result run(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add("qemu-img");
    cmd.addAll(List.of(args));
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    } catch (IOException e) {
      fail(
          "qemu-img is missing: install qemu-utils (apt-get install qemu-utils) to run these tests");
      throw e;
    }
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("qemu-img " + String.join(" ", args) + " timed out");
    }
    return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  /** {@code qemu-img check}, failing the test unless it reports a clean image. */
  static void check(String format, Path image) throws IOException, InterruptedException {
    Result r = run("check", "-f", format, image.toString());
    if (r.exit() != 0) {
      fail("qemu-img check -f " + format + " failed (" + r.exit() + "):\n" + r.output());
    }
  }

  /** {@code qemu-img compare}, failing the test unless the two disks read the same. */
  static void compare(Path raw, String format, Path image)
      throws IOException, InterruptedException {
    Result r = run("compare", "-f", "raw", "-F", format, raw.toString(), image.toString());
    if (r.exit() != 0) {
      fail("qemu-img compare raw vs " + format + " (" + r.exit() + "):\n" + r.output());
    }
  }

  /** The virtual size qemu-img info reports. */
  static long virtualSize(String format, Path image) throws IOException, InterruptedException {
    Result r = run("info", "--output=json", "-f", format, image.toString());
    Matcher m = Pattern.compile("\"virtual-size\":\\s*(\\d+)").matcher(r.output());
    if (r.exit() != 0 || !m.find()) {
      fail("qemu-img info -f " + format + " failed (" + r.exit() + "):\n" + r.output());
    }
    return Long.parseLong(m.group(1));
  }
}
