package io.oci2vm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ProgressModeTest {
  private static final Terminal TTY = new Terminal(true, 100);
  private static final Terminal PIPE = new Terminal(false, 80);

  private static ProgressRenderer renderer(Terminal t, String... args) {
    OutputOptions o = new OutputOptions();
    new CommandLine(o).parseArgs(args);
    return o.renderer(new PrintWriter(new StringWriter()), t);
  }

  @Test
  void renderer_auto_followsTheTerminal() {
    assertInstanceOf(TtyProgress.class, renderer(TTY));
    assertInstanceOf(PlainProgress.class, renderer(PIPE));
  }

  @Test
  void renderer_forced_ignoresTheTerminal() {
    assertInstanceOf(TtyProgress.class, renderer(PIPE, "--progress=tty"));
    assertInstanceOf(PlainProgress.class, renderer(TTY, "--progress", "PLAIN"));
    assertInstanceOf(JsonProgress.class, renderer(TTY, "--progress=json"));
    assertSame(ProgressRenderer.NONE, renderer(TTY, "--progress=none"));
  }

  @Test
  void renderer_json_defaultsToJsonProgressButCanBeOverridden() {
    assertInstanceOf(JsonProgress.class, renderer(TTY, "--json"));
    assertInstanceOf(TtyProgress.class, renderer(TTY, "--json", "--progress=tty"));
  }

  @Test
  void renderer_quiet_printsNothing() {
    OutputOptions o = new OutputOptions();
    new CommandLine(o).parseArgs("-q", "--progress=tty");
    StringWriter w = new StringWriter();
    ProgressRenderer r = o.renderer(new PrintWriter(w), TTY);
    SyntheticPull.create().feed(r);
    r.finish();
    assertEquals("", w.toString());
    assertFalse(o.summary());
  }

  @Test
  void converter_wrongMode_isAUsageError() {
    StringWriter err = new StringWriter();
    int status =
        Main.run(
            new String[] {"rootfs", "img", "-o", "x.tar", "--progress=fancy"},
            new PrintWriter(new StringWriter()),
            new PrintWriter(err));
    assertEquals(Main.EXIT_USAGE, status);
    assertTrue(err.toString().contains("not one of auto, tty, plain, json, none"), err.toString());
  }

  @Test
  void run_usageErrorWithJson_isAJsonErrorAndStatusTwo() throws Exception {
    StringWriter err = new StringWriter();
    int status =
        Main.run(
            new String[] {"convert", "img", "--json"},
            new PrintWriter(new StringWriter()),
            new PrintWriter(err, true));
    assertEquals(Main.EXIT_USAGE, status);
    var e = new com.fasterxml.jackson.databind.ObjectMapper().readTree(err.toString().strip());
    assertEquals("USAGE", e.get("error").get("code").asText());
  }

  @Test
  void run_failureWithJson_isAJsonErrorAndStatusOne(@TempDir Path tmp) throws Exception {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status =
        Main.run(
            new String[] {
              "rootfs",
              "oci:" + tmp.resolve("no-such-layout") + ":latest",
              "-o",
              tmp.resolve("x.tar").toString(),
              "--cache-dir",
              tmp.resolve("cache").toString(),
              "--json"
            },
            new PrintWriter(out, true),
            new PrintWriter(err, true));
    assertEquals(Main.EXIT_FAILED, status);
    assertEquals("", out.toString());
    var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
    List<String> lines = err.toString().lines().toList();
    for (String line : lines) {
      mapper.readTree(line);
    }
    var e = mapper.readTree(lines.get(lines.size() - 1)).get("error");
    assertTrue(e.get("code").asText().matches("[A-Z_]+"), e.toString());
    assertFalse(e.get("message").asText().isEmpty());
  }

  @Test
  void terminal_of_termAndColumns() {
    assertTrue(Terminal.of(Map.of("TERM", "xterm", "COLUMNS", "120"), true).interactive());
    assertEquals(120, Terminal.of(Map.of("TERM", "xterm", "COLUMNS", "120"), true).columns());
    assertFalse(Terminal.of(Map.of("TERM", "dumb"), true).interactive());
    assertFalse(Terminal.of(Map.of(), true).interactive());
    assertFalse(Terminal.of(Map.of("TERM", "xterm"), false).interactive());
    assertEquals(80, Terminal.of(Map.of("COLUMNS", "wide"), true).columns());
  }
}
