package io.oci2vm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.oci2vm.Digest;
import io.oci2vm.daemon.Daemon;
import io.oci2vm.daemon.DaemonConfig;
import io.oci2vm.fixtures.Fixtures;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The remote commands (submit, status, wait, logs, download, ls, cancel, convert --daemon). */
@ExtendWith(VertxExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RemoteCommandsTest {
  static final String TOKEN = "cli-token-0123456789abcdef";

  @TempDir Path tmp;
  Daemon daemon;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    DaemonConfig c =
        new DaemonConfig()
            .host("127.0.0.1")
            .port(0)
            .dataDir(tmp.resolve("data"))
            .cacheDir(tmp.resolve("cache"))
            .workers(1)
            .tokens(List.of(TOKEN));
    daemon =
        Daemon.start(vertx, false, c, r -> {})
            .toCompletionStage()
            .toCompletableFuture()
            .get(1, TimeUnit.MINUTES);
  }

  @AfterEach
  void stop() throws Exception {
    daemon.close().toCompletionStage().toCompletableFuture().get(1, TimeUnit.MINUTES);
  }

  record Run(int status, String out, String err) {}

  Run cli(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.add(1, "--daemon=http://127.0.0.1:" + daemon.port());
    all.add(2, "--token=" + TOKEN);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int s =
        Main.run(
            all.toArray(new String[0]), new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(s, out.toString(), err.toString());
  }

  @Test
  void submitWaitStatusLsDownload_roundTrip() throws Exception {
    Run submit =
        cli(
            "submit",
            Fixtures.multiLayer().reference(),
            "-f",
            "qcow2",
            "--boot",
            "bios",
            "--wait",
            "--json");
    assertEquals(0, submit.status(), submit.out() + submit.err());
    JsonNode job = new ObjectMapper().readTree(submit.out());
    String id = job.get("id").asText();
    assertEquals("SUCCEEDED", job.get("state").asText());
    assertTrue(
        submit.err().contains("\"type\":\"state\",")
            && submit.err().contains("\"state\":\"RUNNING\""),
        "progress as JSON lines on stderr: " + submit.err());

    Run status = cli("status", id);
    assertEquals(0, status.status(), status.err());
    assertTrue(status.out().contains("SUCCEEDED") && status.out().contains("qcow2"), status.out());

    Run waited = cli("wait", id, "-q");
    assertEquals(0, waited.status(), waited.err());

    Run ls = cli("ls", "--state", "succeeded");
    assertTrue(ls.out().contains(id), ls.out());

    Run logs = cli("logs", id);
    assertEquals(0, logs.status(), logs.err());
    assertTrue(logs.out().contains("state: SUCCEEDED"), logs.out());

    Path dir = tmp.resolve("dl");
    Run dl = cli("download", id, "-o", dir.toString());
    assertEquals(0, dl.status(), dl.out() + dl.err());
    for (JsonNode a : job.get("artifacts")) {
      Path f = dir.resolve(a.get("name").asText());
      assertEquals(a.get("sha256").asText(), Digest.ofFile(f).toString(), f.toString());
    }

    Run cancel = cli("cancel", id);
    assertEquals(1, cancel.status());
    assertTrue(cancel.err().startsWith("oci2vm: ALREADY_FINISHED: "), cancel.err());
    Run missing = cli("status", "no-such-job");
    assertEquals(1, missing.status());
    assertTrue(missing.err().startsWith("oci2vm: NOT_FOUND: "), missing.err());
  }

  @Test
  void convertWithDaemon_writesTheSameFilesALocalRunWould() throws Exception {
    Path out = tmp.resolve("remote/app.qcow2");
    Run r =
        cli(
            "convert",
            Fixtures.glibcApp().reference(),
            "-o",
            out.toString(),
            "-f",
            "qcow2",
            "-f",
            "vdi");
    assertEquals(0, r.status(), r.out() + r.err());
    assertTrue(Files.size(out) > 0);
    assertTrue(Files.size(tmp.resolve("remote/app.vdi")) > 0);
    assertTrue(Files.isRegularFile(tmp.resolve("remote/app.oci2vm.json")), r.out());
    assertTrue(r.out().contains("Converted by the daemon"), r.out());
    assertTrue(r.err().contains(": RUNNING") && r.err().contains("writing qcow2"), r.err());
    assertTrue(!r.err().contains("\033"), "plain progress when stderr is not a terminal");

    Run bad =
        cli(
            "convert",
            Fixtures.glibcApp().reference(),
            "-o",
            tmp.resolve("x.img").toString(),
            "--kernel",
            "/boot/vmlinuz");
    assertEquals(1, bad.status());
    assertTrue(bad.err().contains("BAD_OPTION"), bad.err());
  }

  @Test
  void unreachableDaemon_isAClearError() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int s =
        Main.run(
            new String[] {"ls", "--daemon=http://127.0.0.1:1", "--token=" + TOKEN},
            new PrintWriter(out, true),
            new PrintWriter(err, true));
    assertEquals(1, s);
    assertTrue(err.toString().startsWith("oci2vm: DAEMON_UNREACHABLE: "), err.toString());
  }
}
