package io.oci2vm;

import io.oci2vm.fixtures.LayerEntry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Puts host programs and the libraries ldd says they load into test layers. */
final class HostPrograms {
  private static final Pattern LIB = Pattern.compile("(/\\S+) \\(0x");

  private HostPrograms() {}

  /** Entries for the program at {@code imagePath} (copied from {@code host}) and its libraries. */
  static List<LayerEntry> program(String host, String imagePath) throws IOException {
    List<LayerEntry> out = new ArrayList<>();
    out.add(LayerEntry.fileFrom(imagePath, Path.of(host).toRealPath()).mode(0755));
    for (String lib : libraries(host)) {
      out.add(LayerEntry.fileFrom(lib.substring(1), Path.of(lib).toRealPath()).mode(0755));
    }
    return out;
  }

  /** The absolute paths of the libraries ldd lists for {@code host} (interpreter included). */
  static Set<String> libraries(String host) throws IOException {
    Process p = new ProcessBuilder("ldd", host).redirectErrorStream(true).start();
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      p.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
    Set<String> out = new LinkedHashSet<>();
    Matcher m = LIB.matcher(text);
    while (m.find()) {
      if (Files.exists(Path.of(m.group(1)))) {
        out.add(m.group(1));
      }
    }
    return out;
  }

  /** Compiles C source with gcc; extra arguments go last (libraries, rpath). */
  static Path compile(Path dir, String name, String source, String... extra)
      throws IOException, InterruptedException {
    Path c = dir.resolve(name + ".c");
    Files.writeString(c, source);
    Path out = dir.resolve(name);
    List<String> cmd = new ArrayList<>(List.of("gcc", "-O1", "-o", out.toString(), c.toString()));
    cmd.addAll(List.of(extra));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IOException("gcc failed: " + log);
    }
    return out;
  }
}
