package io.oci2vm.internal.disk.ext4;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs the real e2fsprogs tools against an image: they are the oracle for the writer. */
final class E2fsprogs {
  private E2fsprogs() {}

  record Result(int exit, String out) {}

  static Result run(String tool, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(find(tool));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Result(p.waitFor(), out);
  }

  /** {@code e2fsck -fn}: must find nothing to fix. */
  static void fsck(Path image) throws IOException, InterruptedException {
    Result r = run("e2fsck", "-fn", image.toString());
    assertEquals(0, r.exit(), "e2fsck -fn found problems:\n" + r.out());
  }

  /** Runs one debugfs request against {@code image} (read-only). */
  static String debugfs(Path image, String request) throws IOException, InterruptedException {
    Result r = run("debugfs", "-R", request, image.toString());
    if (r.exit() != 0) {
      fail("debugfs -R '" + request + "' failed:\n" + r.out());
    }
    return r.out();
  }

  /** Dumps a file's content (or a slow symlink's target) to a new file. */
  static byte[] dump(Path image, String path, Path tmp) throws Exception {
    Path out = Files.createTempFile(tmp, "dump", ".bin");
    Files.delete(out);
    debugfs(image, "dump \"" + path + "\" " + out);
    if (!Files.exists(out)) {
      fail("debugfs could not dump " + path);
    }
    return Files.readAllBytes(out);
  }

  /** The first group of {@code regex} in {@code text}, or a failure naming what was missing. */
  static String field(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    if (!m.find()) {
      fail("no match for " + regex + " in:\n" + text);
    }
    return m.group(1);
  }

  private static String find(String tool) {
    String path = System.getenv().getOrDefault("PATH", "") + ":/sbin:/usr/sbin";
    for (String dir : path.split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
        return Path.of(dir, tool).toString();
      }
    }
    fail(tool + " is not installed; the ext4 tests need e2fsprogs (Debian package e2fsprogs)");
    return null;
  }
}
