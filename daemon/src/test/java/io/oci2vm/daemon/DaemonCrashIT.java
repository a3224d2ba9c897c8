package io.oci2vm.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.oci2vm.fixtures.Fixtures;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code oci2vm serve} (the real executable jar) is killed with SIGKILL while one job runs and
 * others wait; started again on the same data, every job finishes exactly once: the interrupted one
 * is retried (a second attempt), the queued ones run, none is lost or duplicated.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class DaemonCrashIT {
  static final String TOKEN = "crash-token-0123456789abcdef";
  static final Pattern LISTENING = Pattern.compile("serving on http://127\\.0\\.0\\.1:(\\d+)");

  @TempDir Path tmp;
  final HttpClient http = HttpClient.newHttpClient();

  record Server(Process process, int port) {}

  Server serve() throws Exception {
    Path config = tmp.resolve("config.json");
    Files.writeString(
        config,
        new JsonObject()
            .put("host", "127.0.0.1")
            .put("port", 0)
            .put("dataDir", tmp.resolve("data").toString())
            .put("cacheDir", tmp.resolve("cache").toString())
            .put("workers", 1)
            .put("tokens", new JsonArray().add(TOKEN))
            .encode());
    Path jar = Path.of("target/oci2vm.jar").toAbsolutePath();
    Process p =
        new ProcessBuilder("java", "-jar", jar.toString(), "serve", "--config", config.toString())
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("serve-" + System.nanoTime() + ".log").toFile())
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      for (Path log : logs()) {
        Matcher m = LISTENING.matcher(Files.readString(log));
        if (m.find() && log.toFile().lastModified() > 0 && p.isAlive()) {
          int port = Integer.parseInt(m.group(1));
          if (answers(port)) {
            return new Server(p, port);
          }
        }
      }
      Thread.sleep(200);
    }
    p.destroyForcibly();
    throw new AssertionError("oci2vm serve did not start: " + logs());
  }

  List<Path> logs() throws IOException {
    try (var s = Files.list(tmp)) {
      return s.filter(f -> f.getFileName().toString().startsWith("serve-"))
          .sorted(java.util.Comparator.reverseOrder())
          .toList();
    }
  }

  boolean answers(int port) {
    try {
      return http.send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz"))
                      .build(),
                  HttpResponse.BodyHandlers.discarding())
              .statusCode()
          == 200;
    } catch (Exception e) {
      return false;
    }
  }

  JsonObject call(int port, String method, String path, String body) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + TOKEN)
                .method(
                    method,
                    body == null
                        ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .timeout(Duration.ofSeconds(30))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return new JsonObject(r.body());
  }

  @Test
  void sigkillWhileRunning_restartFinishesEveryJobExactlyOnce() throws Exception {
    Server first = serve();
    List<String> ids = new ArrayList<>();
    // The first job is slow enough to be caught running; the others wait behind it.
    for (JsonObject req :
        List.of(
            new JsonObject()
                .put("image", Fixtures.debianNginx().reference())
                .put(
                    "formats",
                    new JsonArray()
                        .add("qcow2")
                        .add("vdi")
                        .add("vhdx")
                        .add("vmdk-stream")
                        .add("ova")),
            new JsonObject()
                .put("image", Fixtures.multiLayer().reference())
                .put("formats", new JsonArray().add("raw")),
            new JsonObject()
                .put("image", Fixtures.glibcApp().reference())
                .put("formats", new JsonArray().add("raw")))) {
      ids.add(call(first.port(), "POST", "/v1/conversions", req.encode()).getString("id"));
    }
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (!call(first.port(), "GET", "/v1/conversions/" + ids.get(0), null)
        .getString("state")
        .equals("RUNNING")) {
      assertTrue(System.nanoTime() < deadline, "the first job started");
      Thread.sleep(100);
    }
    Thread.sleep(1500); // well into the conversion
    assertEquals(
        "RUNNING",
        call(first.port(), "GET", "/v1/conversions/" + ids.get(0), null).getString("state"),
        "still running when killed (else this test proves nothing)");
    first.process().destroyForcibly(); // SIGKILL: no shutdown hook runs
    assertTrue(first.process().waitFor(30, TimeUnit.SECONDS));

    Server second = serve();
    try {
      deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
      List<JsonObject> jobs = new ArrayList<>();
      while (System.nanoTime() < deadline) {
        jobs.clear();
        for (String id : ids) {
          jobs.add(call(second.port(), "GET", "/v1/conversions/" + id, null));
        }
        if (jobs.stream()
            .allMatch(
                j -> List.of("SUCCEEDED", "FAILED", "CANCELLED").contains(j.getString("state")))) {
          break;
        }
        Thread.sleep(500);
      }
      for (JsonObject j : jobs) {
        assertEquals("SUCCEEDED", j.getString("state"), j.encodePrettily());
        assertTrue(!j.getJsonArray("artifacts").isEmpty(), j.encodePrettily());
      }
      assertEquals(2, jobs.get(0).getInteger("attempts"), "the interrupted job ran again, once");
      assertEquals(1, jobs.get(1).getInteger("attempts"), "a queued job ran once");
      assertEquals(1, jobs.get(2).getInteger("attempts"), "a queued job ran once");
      JsonObject all = call(second.port(), "GET", "/v1/conversions?limit=100", null);
      assertEquals(3, all.getJsonArray("items").size(), "no job appeared twice");
      // No leftovers of the killed attempt: only the finished artifacts.
      try (var s = Files.list(tmp.resolve("data/artifacts/" + ids.get(0)))) {
        assertTrue(s.noneMatch(f -> f.getFileName().toString().contains(".partial")));
      }
    } finally {
      second.process().destroy();
      second.process().waitFor(60, TimeUnit.SECONDS);
    }
  }
}
