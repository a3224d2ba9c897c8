package io.oci2vm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.oci2vm.fixtures.Fixtures;
import io.oci2vm.fixtures.RegistryLauncher;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Progress as users see it from the real jar: in a pseudo-terminal (util-linux script), in a pipe,
 * and as JSON. The image comes from a local registry into an empty cache, so every layer is really
 * downloaded and unpacked.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ProgressIT {
  private static final Pattern LAYER_LINE = Pattern.compile("[0-9a-f]{12}: .*");
  private static RegistryLauncher registry;
  private static String image;

  @TempDir Path tmp;

  @BeforeAll
  static void pushImage() {
    registry = RegistryLauncher.start();
    registry.push(Fixtures.debianNginx(), "progress/nginx:1");
    image = registry.address() + "/progress/nginx:1";
  }

  @AfterAll
  static void stopRegistry() {
    if (registry != null) {
      registry.close();
    }
  }

  private List<String> convert(String... more) {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "java",
                "-jar",
                Path.of("target/oci2vm.jar").toAbsolutePath().toString(),
                "convert",
                image,
                "-o",
                tmp.resolve("bundle").toString(),
                "--cache-dir",
                tmp.resolve("cache").toString()));
    cmd.addAll(List.of(more));
    return cmd;
  }

  private static String quote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }

  @Test
  void convert_inATerminal_drawsBarsInPlace() throws Exception {
    String command = String.join(" ", convert().stream().map(ProgressIT::quote).toList());
    ProcessBuilder pb =
        new ProcessBuilder("script", "-qfec", command, "/dev/null")
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("typescript").toFile());
    pb.environment().put("TERM", "xterm");
    pb.environment().put("COLUMNS", "100");
    Process p = pb.start();
    assertTrue(p.waitFor(2, TimeUnit.MINUTES));
    String out = Files.readString(tmp.resolve("typescript"), StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.contains("\033[2K"), "erases lines:\n" + out);
    assertTrue(Pattern.compile("\033\\[[0-9]+A").matcher(out).find(), "moves up:\n" + out);
    assertTrue(out.contains(": Downloading [="), "a bar:\n" + out);
    assertTrue(Pattern.compile("[0-9.]+(B|KiB|MiB|GiB)/s").matcher(out).find(), "a speed:\n" + out);
    assertTrue(out.contains(": Pull complete"), out);
    assertTrue(out.contains("Boot it: oci2vm boot"), "the summary:\n" + out);
    for (String line : out.split("[\r\n]|\033\\[2K")) {
      String text = line.replaceAll("\033\\[[0-9]*[A-Za-z]", "");
      if (LAYER_LINE.matcher(text).matches()) {
        assertTrue(text.length() < 100, "fits 100 columns: " + text);
      }
    }
  }

  @Test
  void convert_inAPipe_plainLinesOnePerLayerPhase() throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder(convert())
            .redirectOutput(tmp.resolve("out.txt").toFile())
            .redirectError(tmp.resolve("err.txt").toFile());
    pb.environment().put("TERM", "xterm");
    Process p = pb.start();
    assertTrue(p.waitFor(2, TimeUnit.MINUTES));
    String out = Files.readString(tmp.resolve("out.txt"), StandardCharsets.UTF_8);
    String err = Files.readString(tmp.resolve("err.txt"), StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), out + err);
    assertFalse(err.contains("\r"), err);
    assertFalse(err.contains("\033"), err);
    List<String> layerLines = err.lines().filter(l -> LAYER_LINE.matcher(l).matches()).toList();
    assertTrue(layerLines.stream().anyMatch(l -> l.contains(": downloading ")), err);
    assertTrue(layerLines.stream().anyMatch(l -> l.contains(": unpacked ")), err);
    assertEquals(layerLines.size(), layerLines.stream().distinct().count(), "no repeats:\n" + err);
    long layers = layerLines.stream().map(l -> l.substring(0, 12)).distinct().count();
    long unpacked = layerLines.stream().filter(l -> l.contains(": unpacked ")).count();
    assertEquals(layers, unpacked, "every layer row ends unpacked:\n" + err);
    assertTrue(out.contains("Boot it: oci2vm boot"), out);
  }

  @Test
  void convert_json_resultOnStdoutEventsOnStderr() throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder(convert("--json"))
            .redirectOutput(tmp.resolve("out.json").toFile())
            .redirectError(tmp.resolve("err.txt").toFile());
    Process p = pb.start();
    assertTrue(p.waitFor(2, TimeUnit.MINUTES));
    String out = Files.readString(tmp.resolve("out.json"), StandardCharsets.UTF_8);
    String err = Files.readString(tmp.resolve("err.txt"), StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), out + err);
    ObjectMapper json = new ObjectMapper();
    assertEquals(1, out.strip().lines().count(), out);
    JsonNode result = json.readTree(out);
    assertEquals("bundle", result.get("kind").asText());
    assertEquals(tmp.resolve("bundle").toString(), result.get("output").asText());
    assertTrue(result.get("image").get("manifest").asText().startsWith("sha256:"), out);
    JsonNode initrd = null;
    for (JsonNode f : result.get("files")) {
      assertTrue(f.get("sha256").asText().startsWith("sha256:"), f.toString());
      assertEquals(Files.size(Path.of(f.get("path").asText())), f.get("bytes").asLong());
      if (f.get("name").asText().equals("initrd.img")) {
        initrd = f;
      }
    }
    assertTrue(initrd != null, out);
    assertTrue(result.get("timingsSeconds").has("pull"), out);
    List<JsonNode> events = new ArrayList<>();
    for (String line : err.strip().split("\n")) {
      events.add(json.readTree(line));
    }
    assertTrue(events.stream().anyMatch(e -> e.get("event").asText().equals("step")), err);
    assertTrue(events.stream().anyMatch(e -> e.path("phase").asText().equals("DOWNLOADING")), err);
    assertTrue(events.stream().anyMatch(e -> e.path("phase").asText().equals("DONE")), err);
  }

  @Test
  void convert_jsonFailure_errorObjectAndStatusOne() throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder(
                "java",
                "-jar",
                Path.of("target/oci2vm.jar").toAbsolutePath().toString(),
                "convert",
                registry.address() + "/progress/missing:1",
                "-o",
                tmp.resolve("bundle").toString(),
                "--cache-dir",
                tmp.resolve("cache").toString(),
                "--json")
            .redirectOutput(tmp.resolve("out.json").toFile())
            .redirectError(tmp.resolve("err.txt").toFile());
    Process p = pb.start();
    assertTrue(p.waitFor(2, TimeUnit.MINUTES));
    String out = Files.readString(tmp.resolve("out.json"), StandardCharsets.UTF_8);
    String err = Files.readString(tmp.resolve("err.txt"), StandardCharsets.UTF_8);
    assertEquals(Main.EXIT_FAILED, p.exitValue(), out + err);
    assertEquals("", out);
    List<String> lines = err.strip().lines().toList();
    JsonNode error = new ObjectMapper().readTree(lines.get(lines.size() - 1)).get("error");
    assertEquals("NOT_FOUND", error.get("code").asText(), err);
  }
}
