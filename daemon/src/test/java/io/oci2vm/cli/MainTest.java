package io.oci2vm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.oci2vm.fixtures.FixtureImage;
import io.oci2vm.fixtures.Fixtures;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
  @TempDir Path tmp;

  private record Run(int status, String out, String err) {}

  private Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] all = new String[args.length + 2];
    System.arraycopy(args, 0, all, 0, 1);
    all[1] = "--cache-dir=" + tmp.resolve("cache");
    all[2] = "--platform=linux/amd64";
    System.arraycopy(args, 1, all, 3, args.length - 1);
    int status = Main.run(all, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(status, out.toString(), err.toString());
  }

  @Test
  void inspect_fixture_printsConfigAndLayers() {
    FixtureImage f = Fixtures.glibcApp();
    Run r = run("inspect", f.reference());
    assertEquals(0, r.status(), r.err());
    assertTrue(r.out().contains("Platform:     linux/amd64"), r.out());
    assertTrue(r.out().contains("Entrypoint:   [\"hello\"]"), r.out());
    assertTrue(r.out().contains("Cmd:          [\"world\"]"), r.out());
    assertTrue(r.out().contains("User:         app"), r.out());
    assertTrue(r.out().contains("application/vnd.oci.image.layer.v1.tar+gzip"), r.out());
  }

  @Test
  void inspectJson_fixture_isParseable() throws Exception {
    FixtureImage f = Fixtures.glibcApp();
    Run r = run("inspect", "--json", f.reference());
    assertEquals(0, r.status(), r.err());
    JsonNode j = new ObjectMapper().readTree(r.out());
    assertEquals("linux/amd64", j.get("platform").asText());
    assertEquals("hello", j.get("config").get("entrypoint").get(0).asText());
    assertEquals(2, j.get("layers").size());
  }

  @Test
  void rootfs_withReport_printsSummaryAndWritesReasons() throws Exception {
    FixtureImage f = Fixtures.glibcApp();
    Path out = tmp.resolve("out.tar");
    Path report = tmp.resolve("report.json");
    Run r = run("rootfs", f.reference(), "-o", out.toString(), "--report", report.toString());
    assertEquals(0, r.status(), r.err());
    assertTrue(r.out().contains("Slimmed "), r.out());
    assertTrue(r.out().contains("Biggest dropped:"), r.out());
    assertTrue(r.out().contains("/usr/share/doc"), r.out());
    assertTrue(Files.size(out) > 0);
    JsonNode j = new ObjectMapper().readTree(report.toFile());
    assertTrue(
        j.get("summary").get("bytesAfter").asLong() < j.get("summary").get("bytesBefore").asLong());
    boolean found = false;
    for (JsonNode k : j.get("kept")) {
      if (k.get("path").asText().equals("/usr/local/bin/hello")) {
        assertEquals("entrypoint", k.get("reason").asText());
        found = true;
      }
    }
    assertTrue(found, "the report lists the entrypoint with its reason");
    assertTrue(j.get("dropped").size() > 0);
  }

  @Test
  void rootfs_badSource_exitsOneWithErrorCode() {
    Path out = tmp.resolve("out.tar");
    Run r = run("rootfs", "oci:" + tmp.resolve("nope"), "-o", out.toString());
    assertEquals(Main.EXIT_FAILED, r.status());
    assertTrue(r.err().startsWith("oci2vm: BAD_ARCHIVE: "), r.err());
    assertFalse(Files.exists(out));
  }

  @Test
  void rootfs_missingOutput_exitsTwoWithUsage() {
    Run r = run("rootfs", "nginx");
    assertEquals(Main.EXIT_USAGE, r.status());
    assertTrue(r.err().contains("--output"), r.err());
  }

  @Test
  void boot_fileWithoutPartitionTable_isBadOptionBeforeQemuStarts() throws Exception {
    Path junk = Files.write(tmp.resolve("junk.img"), new byte[64 * 1024]);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status =
        Main.run(
            new String[] {"boot", junk.toString()},
            new PrintWriter(out, true),
            new PrintWriter(err, true));
    assertEquals(Main.EXIT_FAILED, status, err.toString());
    assertTrue(err.toString().startsWith("oci2vm: BAD_OPTION: "), err.toString());
    assertTrue(err.toString().contains("no GPT partition table"), err.toString());
  }

  @Test
  void convert_diskSizeBeyondTheFormat_failsBeforePulling() {
    Run r =
        run(
            "convert",
            "oci:/nonexistent/layout:latest",
            "-o",
            tmp.resolve("big.vhd").toString(),
            "--disk-size",
            "3T");
    assertEquals(Main.EXIT_FAILED, r.status(), r.err());
    assertTrue(
        r.err().startsWith("oci2vm: LIMIT_EXCEEDED: vhd holds disks up to 2040 GiB"), r.err());
  }
}
