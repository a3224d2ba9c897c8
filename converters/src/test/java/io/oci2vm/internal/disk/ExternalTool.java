package io.oci2vm.internal.disk;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the external programs that serve as oracles for the disk writers (fsck.vfat, mtools, sgdisk,
 * sfdisk, objdump), failing with the Debian package to install when one is missing.
 */
public final class ExternalTool {
  /** A finished command: its exit code and its standard output and error, interleaved. */
  public record Result(List<String> command, int exitCode, String output) {
    /** Throws unless the command exited with 0. */
    public Result requireSuccess() {
      if (exitCode != 0) {
        throw new AssertionError(
            String.join(" ", command) + " exited with " + exitCode + ":\n" + output);
      }
      return this;
    }
  }

  private ExternalTool() {}

  /** Fails (not skips: an oracle missing is a broken setup) unless {@code program} is found. */
  public static void require(String program, String debianPackage) {
    for (String dir : List.of("/usr/bin", "/usr/sbin", "/bin", "/sbin")) {
      if (Files.isExecutable(Path.of(dir, program))) {
        return;
      }
    }
    throw new AssertionError(
        program + " is missing: install the Debian package " + debianPackage + " (scripts/setup)");
  }

  /** Runs a command with a time limit, in the C locale and UTC so output is predictable. */
  public static Result run(Duration timeout, String... command) throws IOException {
    return run(timeout, Map.of(), command);
  }

  /** Runs a command with extra environment variables. */
  public static Result run(Duration timeout, Map<String, String> env, String... command)
      throws IOException {
    Path log = Files.createTempFile("oci2vm-tool", ".log");
    try {
      ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
      pb.redirectOutput(log.toFile()).redirectInput(new File("/dev/null"));
      pb.environment().put("LC_ALL", "C");
      pb.environment().put("TZ", "UTC");
      pb.environment().put("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
      pb.environment().putAll(env);
      Process p = pb.start();
      try {
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          p.destroyForcibly();
          p.waitFor();
          throw new AssertionError(
              String.join(" ", command) + " did not finish in " + timeout + ":\n" + read(log));
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
      return new Result(List.of(command), p.exitValue(), read(log));
    } finally {
      Files.deleteIfExists(log);
    }
  }

  private static String read(Path log) throws IOException {
    return new String(Files.readAllBytes(log), StandardCharsets.UTF_8);
  }
}
