package io.oci2vm.daemon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.oci2vm.Digest;
import io.oci2vm.fixtures.Fixtures;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP API against a real daemon on port 0 doing real conversions of fixture images (a
 * temporary cache, the installed kernel). Requests go through the JDK's HTTP client.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DaemonApiTest {
  static final String TOKEN = "test-token-0123456789abcdef";

  @TempDir Path tmp;
  Daemon daemon;
  final HttpClient http = HttpClient.newHttpClient();

  Daemon start(Vertx vertx, int workers, int queue) throws Exception {
    return start(vertx, workers, queue, c -> {});
  }

  Daemon start(Vertx vertx, int workers, int queue, java.util.function.Consumer<DaemonConfig> tweak)
      throws Exception {
    DaemonConfig c =
        new DaemonConfig()
            .host("127.0.0.1")
            .port(0)
            .dataDir(tmp.resolve("data"))
            .cacheDir(tmp.resolve("cache"))
            .workers(workers)
            .queueCapacity(queue)
            .maxBodyBytes(4096)
            .shutdownGraceSeconds(5)
            .tokens(List.of(TOKEN));
    tweak.accept(c);
    daemon =
        Daemon.start(vertx, false, c, r -> {})
            .toCompletionStage()
            .toCompletableFuture()
            .get(1, TimeUnit.MINUTES);
    return daemon;
  }

  @AfterEach
  void stop() throws Exception {
    if (daemon != null) {
      daemon.close().toCompletionStage().toCompletableFuture().get(1, TimeUnit.MINUTES);
    }
  }

  HttpResponse<String> call(String method, String path, String body, String token)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.port() + path))
            .timeout(Duration.ofSeconds(30))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> call(String method, String path, String body) throws Exception {
    return call(method, path, body, TOKEN);
  }

  JsonObject submit(String image, String... formats) throws Exception {
    JsonObject req =
        new JsonObject().put("image", image).put("formats", new JsonArray(Arrays.asList(formats)));
    HttpResponse<String> r = call("POST", "/v1/conversions", req.encode());
    assertTrue(r.statusCode() == 202 || r.statusCode() == 200, r.body());
    return new JsonObject(r.body());
  }

  JsonObject waitFor(String id, String state) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (System.nanoTime() < deadline) {
      HttpResponse<String> r = call("GET", "/v1/conversions/" + id, null);
      assertEquals(200, r.statusCode(), r.body());
      JsonObject j = new JsonObject(r.body());
      if (j.getString("state").equals(state)) {
        return j;
      }
      if (List.of("SUCCEEDED", "FAILED", "CANCELLED").contains(j.getString("state"))) {
        throw new AssertionError(
            "job ended " + j.getString("state") + " not " + state + ": " + j.encodePrettily());
      }
      Thread.sleep(200);
    }
    throw new AssertionError("job " + id + " did not reach " + state);
  }

  @Test
  void auth_everythingButHealthNeedsTheToken(Vertx vertx) throws Exception {
    start(vertx, 1, 4);
    assertEquals(200, call("GET", "/healthz", null, null).statusCode());
    assertEquals(200, call("GET", "/readyz", null, null).statusCode());
    for (String path : List.of("/v1/conversions", "/metrics", "/v1/openapi.json")) {
      HttpResponse<String> none = call("GET", path, null, null);
      assertEquals(401, none.statusCode(), path);
      assertEquals(
          "UNAUTHORIZED", new JsonObject(none.body()).getJsonObject("error").getString("code"));
      assertEquals(401, call("GET", path, null, "wrong-token-0123456789abcdef").statusCode(), path);
    }
    JsonObject api = new JsonObject(call("GET", "/v1/openapi.json", null).body());
    assertTrue(api.getJsonObject("paths").containsKey("/v1/conversions/{id}/events"));
  }

  @Test
  void submit_badRequests_getJsonErrorsWithCodes(Vertx vertx) throws Exception {
    start(vertx, 1, 4);
    record Case(String body, int status, String code) {}
    for (Case c :
        List.of(
            new Case("{}", 400, "BAD_REQUEST"),
            new Case("not json", 400, "BAD_REQUEST"),
            new Case("{\"image\":\"x:1\",\"formats\":[\"qcow3\"]}", 400, "UNKNOWN_FORMAT"),
            new Case("{\"image\":\"bad ref with spaces\"}", 400, "BAD_REFERENCE"),
            new Case("{\"image\":\"x:1\",\"diskSize\":\"lots\"}", 400, "BAD_OPTION"),
            new Case(
                "{\"image\":\"x:1\",\"callbackUrl\":\"file:///etc/passwd\"}", 400, "BAD_REQUEST"),
            new Case("{\"image\":\"" + "x".repeat(5000) + "\"}", 413, "BODY_TOO_LARGE"))) {
      HttpResponse<String> r = call("POST", "/v1/conversions", c.body());
      assertEquals(c.status(), r.statusCode(), c.body() + " -> " + r.body());
      assertEquals(
          c.code(), new JsonObject(r.body()).getJsonObject("error").getString("code"), r.body());
    }
    assertEquals(404, call("GET", "/v1/conversions/nope", null).statusCode());
  }

  @Test
  void conversion_runsAndArtifactsDownloadWithRangesAndDigests(Vertx vertx) throws Exception {
    start(vertx, 1, 4);
    JsonObject job = submit(Fixtures.multiLayer().reference(), "qcow2");
    JsonObject done = waitFor(job.getString("id"), "SUCCEEDED");
    JsonObject qcow2 =
        done.getJsonArray("artifacts").stream()
            .map(o -> (JsonObject) o)
            .filter(a -> a.getString("format").equals("qcow2"))
            .findFirst()
            .orElseThrow();
    String url = "/v1/conversions/" + job.getString("id") + "/artifacts/" + qcow2.getString("name");
    HttpResponse<byte[]> whole = bytes(url, null);
    assertEquals(200, whole.statusCode());
    assertEquals(qcow2.getString("sha256"), Digest.of(whole.body()).toString());
    assertEquals(qcow2.getLong("size").intValue(), whole.body().length);
    assertEquals(
        "\"" + qcow2.getString("sha256") + "\"", whole.headers().firstValue("ETag").orElseThrow());
    assertTrue(whole.headers().firstValue("Digest").orElseThrow().startsWith("sha-256="));
    HttpResponse<byte[]> part = bytes(url, "bytes=4-99");
    assertEquals(206, part.statusCode());
    assertArrayEquals(Arrays.copyOfRange(whole.body(), 4, 100), part.body());
    assertEquals(
        "bytes 4-99/" + whole.body().length,
        part.headers().firstValue("Content-Range").orElseThrow());
    HttpResponse<byte[]> tail = bytes(url, "bytes=-16");
    assertArrayEquals(
        Arrays.copyOfRange(whole.body(), whole.body().length - 16, whole.body().length),
        tail.body());
    assertEquals(416, bytes(url, "bytes=999999999-").statusCode());
    assertEquals(200, bytes(url, "bytes=oops").statusCode(), "a malformed Range is ignored");
    assertEquals(200, bytes(url, "bytes=0-1,5-9").statusCode(), "several ranges: the whole file");

    // Delete the artifacts: the job stays, its files are gone.
    assertEquals(
        204,
        call("DELETE", "/v1/conversions/" + job.getString("id") + "/artifacts", null).statusCode());
    assertEquals(404, bytes(url, null).statusCode());
  }

  HttpResponse<byte[]> bytes(String path, String range) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.port() + path))
            .header("Authorization", "Bearer " + TOKEN);
    if (range != null) {
      b.header("Range", range);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  @Test
  void identicalRequests_shareOneJobThenOneResult(Vertx vertx) throws Exception {
    start(vertx, 1, 4);
    // A slower job first holds the only worker, so the two identical ones are both still queued.
    submit(Fixtures.debianNginx().reference(), "qcow2");
    String image = Fixtures.multiLayer().reference();
    JsonObject a = submit(image, "raw");
    JsonObject b = submit(image, "raw");
    assertEquals(a.getString("id"), b.getString("id"), "the active job is reused");
    JsonObject first = waitFor(a.getString("id"), "SUCCEEDED");
    JsonObject again = submit(image, "raw");
    assertNotEquals(a.getString("id"), again.getString("id"));
    JsonObject shared = waitFor(again.getString("id"), "SUCCEEDED");
    assertEquals(a.getString("id"), shared.getString("sharedWith"));
    assertEquals(first.getJsonArray("artifacts").size(), shared.getJsonArray("artifacts").size());
  }

  @Test
  void fullQueue_answers429WithRetryAfter_andQueuedJobsCancel(Vertx vertx) throws Exception {
    start(vertx, 1, 1);
    JsonObject running = submit(Fixtures.debianNginx().reference(), "qcow2", "vmdk", "vdi");
    waitFor(running.getString("id"), "RUNNING");
    JsonObject queued = submit(Fixtures.multiLayer().reference(), "raw");
    HttpResponse<String> full =
        call(
            "POST",
            "/v1/conversions",
            new JsonObject().put("image", Fixtures.glibcApp().reference()).encode());
    assertEquals(429, full.statusCode(), full.body());
    assertEquals(
        "QUEUE_FULL", new JsonObject(full.body()).getJsonObject("error").getString("code"));
    assertNotNull(full.headers().firstValue("Retry-After").orElse(null));

    assertEquals(
        202,
        call("POST", "/v1/conversions/" + queued.getString("id") + "/cancel", null).statusCode());
    waitFor(queued.getString("id"), "CANCELLED");
    assertEquals(
        202, call("DELETE", "/v1/conversions/" + running.getString("id"), null).statusCode());
    waitFor(running.getString("id"), "CANCELLED");
    assertEquals(
        409,
        call("POST", "/v1/conversions/" + running.getString("id") + "/cancel", null).statusCode());
  }

  @Test
  void events_streamProgressUntilTheEnd(Vertx vertx) throws Exception {
    start(vertx, 1, 4);
    JsonObject job = submit(Fixtures.glibcApp().reference(), "raw");
    HttpResponse<java.io.InputStream> r =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:"
                            + daemon.port()
                            + "/v1/conversions/"
                            + job.getString("id")
                            + "/events"))
                .header("Authorization", "Bearer " + TOKEN)
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    assertEquals("text/event-stream", r.headers().firstValue("Content-Type").orElseThrow());
    StringBuilder seen = new StringBuilder();
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        seen.append(line).append('\n');
      }
    }
    String s = seen.toString();
    assertTrue(s.contains("event: state"), s);
    assertTrue(s.contains("event: step"), s);
    assertTrue(s.contains("\"stage\":\"disk\""), s);
    assertTrue(s.contains("event: end\ndata: {\"type\":\"end\",\"state\":\"SUCCEEDED\"}"), s);
  }

  @Test
  void list_filtersAndPages_metricsCount(Vertx vertx) throws Exception {
    start(vertx, 1, 8);
    JsonObject a = submit(Fixtures.multiLayer().reference(), "raw");
    JsonObject b = submit(Fixtures.glibcApp().reference(), "raw");
    waitFor(a.getString("id"), "SUCCEEDED");
    waitFor(b.getString("id"), "SUCCEEDED");
    JsonObject page1 = new JsonObject(call("GET", "/v1/conversions?limit=1", null).body());
    assertEquals(1, page1.getJsonArray("items").size());
    assertEquals(
        b.getString("id"),
        page1.getJsonArray("items").getJsonObject(0).getString("id"),
        "newest first");
    JsonObject page2 =
        new JsonObject(
            call("GET", "/v1/conversions?limit=1&after=" + page1.getString("next"), null).body());
    assertEquals(a.getString("id"), page2.getJsonArray("items").getJsonObject(0).getString("id"));
    JsonObject filtered =
        new JsonObject(call("GET", "/v1/conversions?state=failed,cancelled", null).body());
    assertEquals(0, filtered.getJsonArray("items").size());
    assertEquals(400, call("GET", "/v1/conversions?state=bogus", null).statusCode());
    String metrics = call("GET", "/metrics", null).body();
    assertTrue(metrics.contains("oci2vm_jobs{state=\"succeeded\"} 2"), metrics);
    assertTrue(metrics.contains("oci2vm_queue_depth 0"), metrics);
    assertTrue(
        metrics.contains("oci2vm_job_duration_seconds_count{result=\"succeeded\"} 2"), metrics);
  }

  @Test
  void artifacts_overTheLimit_leastRecentlyUsedAreEvicted(Vertx vertx) throws Exception {
    start(vertx, 1, 4, c -> c.artifactMaxBytes(1));
    JsonObject a = submit(Fixtures.multiLayer().reference(), "raw");
    JsonObject doneA = waitFor(a.getString("id"), "SUCCEEDED");
    String url = doneA.getJsonArray("artifacts").getJsonObject(0).getString("url");
    JsonObject b = submit(Fixtures.glibcApp().reference(), "raw");
    JsonObject doneB = waitFor(b.getString("id"), "SUCCEEDED");
    assertTrue(!doneB.getJsonArray("artifacts").isEmpty(), "the newest job keeps its files");
    JsonObject evicted =
        new JsonObject(call("GET", "/v1/conversions/" + a.getString("id"), null).body());
    assertEquals(0, evicted.getJsonArray("artifacts").size(), evicted.encodePrettily());
    assertEquals(404, bytes(URI.create(url).getPath(), null).statusCode());
    assertTrue(
        call("GET", "/metrics", null).body().contains("oci2vm_artifact_bytes "),
        "artifact bytes exported");
  }

  @Test
  void close_letsTheRunningJobFinishWithinTheGracePeriod(Vertx vertx) throws Exception {
    start(vertx, 1, 4, c -> c.shutdownGraceSeconds(120));
    JsonObject job = submit(Fixtures.debianNginx().reference(), "qcow2");
    waitFor(job.getString("id"), "RUNNING");
    HttpResponse<String> ready = call("GET", "/readyz", null, null);
    assertEquals(200, ready.statusCode());
    daemon.close().toCompletionStage().toCompletableFuture().get(3, TimeUnit.MINUTES);
    daemon = null;
    try (var store = io.oci2vm.daemon.store.JdbcJobStore.open(tmp.resolve("data"))) {
      assertEquals(
          io.oci2vm.daemon.store.JobState.SUCCEEDED,
          store.get(job.getString("id")).orElseThrow().state());
    }
  }

  @Test
  void githubHook_signedDeliveryStartsAJob_badSignatureIs401(Vertx vertx) throws Exception {
    String secret = "github-secret-0123456789";
    start(
        vertx,
        1,
        4,
        c ->
            c.hooks(
                new JsonObject()
                    .put("secrets", new JsonObject().put("github", secret))
                    .put(
                        "rules",
                        new JsonArray()
                            .add(
                                new JsonObject()
                                    .put("source", "github")
                                    .put("repository", "**")
                                    .put(
                                        "request",
                                        new JsonObject()
                                            .put("formats", new JsonArray().add("raw")))))));
    byte[] body;
    try (var in = getClass().getResourceAsStream("/hooks/github-package-published.json")) {
      body = in.readAllBytes();
    }
    javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
    mac.init(
        new javax.crypto.spec.SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    String signature = "sha256=" + java.util.HexFormat.of().formatHex(mac.doFinal(body));
    HttpResponse<String> ok = hook("github", body, signature);
    assertEquals(202, ok.statusCode(), ok.body());
    JsonArray jobs = new JsonObject(ok.body()).getJsonArray("jobs");
    assertEquals(1, jobs.size(), ok.body());
    JsonObject job =
        new JsonObject(call("GET", "/v1/conversions/" + jobs.getString(0), null).body());
    assertEquals("hook:github", job.getString("trigger"));
    assertTrue(
        job.getJsonObject("request").getString("image").startsWith("ghcr.io/"), job.encode());

    HttpResponse<String> forged =
        hook("github", body, signature.replace('a', 'b').replace('1', '2'));
    assertEquals(401, forged.statusCode(), forged.body());
    assertEquals(404, hook("nosuchregistry", body, signature).statusCode());
  }

  HttpResponse<String> hook(String source, byte[] body, String signature) throws Exception {
    return http.send(
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + daemon.port() + "/v1/hooks/" + source))
            .header("X-GitHub-Event", "package")
            .header("X-Hub-Signature-256", signature)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void callbackUrl_getsTheFinishedJobPosted(Vertx vertx) throws Exception {
    start(vertx, 1, 4);
    java.util.concurrent.BlockingQueue<String> received =
        new java.util.concurrent.LinkedBlockingQueue<>();
    com.sun.net.httpserver.HttpServer hook =
        com.sun.net.httpserver.HttpServer.create(
            new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
    hook.createContext(
        "/done",
        x -> {
          received.add(
              x.getRequestMethod()
                  + " "
                  + new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
          x.sendResponseHeaders(204, -1);
          x.close();
        });
    hook.start();
    try {
      String callback = "http://127.0.0.1:" + hook.getAddress().getPort() + "/done";
      HttpResponse<String> r =
          call(
              "POST",
              "/v1/conversions",
              new JsonObject()
                  .put("image", Fixtures.multiLayer().reference())
                  .put("formats", new JsonArray().add("raw"))
                  .put("callbackUrl", callback)
                  .encode());
      assertEquals(202, r.statusCode(), r.body());
      String got = received.poll(2, TimeUnit.MINUTES);
      assertNotNull(got, "the callback was called");
      assertTrue(got.startsWith("POST "), got);
      JsonObject job = new JsonObject(got.substring(5));
      assertEquals(new JsonObject(r.body()).getString("id"), job.getString("id"));
      assertEquals("SUCCEEDED", job.getString("state"));
    } finally {
      hook.stop(0);
    }
  }
}
