package io.oci2vm.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.oci2vm.daemon.Daemon;
import io.oci2vm.daemon.DaemonConfig;
import io.oci2vm.fixtures.Fixtures;
import io.vertx.core.Vertx;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client against a real daemon in this JVM (port 0, temporary data and cache, real conversions
 * of fixture images). One daemon serves most tests; the queue-full test starts its own with a queue
 * of one.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ClientTest {
  static final String TOKEN = "client-test-token-0123456789";
  static final Duration LONG = Duration.ofMinutes(2);

  @TempDir static Path shared;
  static Vertx vertx;
  static Daemon daemon;
  static Oci2vmClient client;
  static Job finished; // multiLayer as qcow2, converted once for the download tests

  @TempDir Path tmp;

  @BeforeAll
  static void startDaemon() throws Exception {
    vertx = Vertx.vertx();
    daemon = start(shared, c -> c.workers(2).queueCapacity(16));
    client = client(daemon).build();
  }

  @AfterAll
  static void stopDaemon() throws Exception {
    if (client != null) {
      client.close();
    }
    if (daemon != null) {
      daemon.close().toCompletionStage().toCompletableFuture().get(1, TimeUnit.MINUTES);
    }
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(1, TimeUnit.MINUTES);
    }
  }

  static Daemon start(Path dir, Consumer<DaemonConfig> tweak) throws Exception {
    DaemonConfig c =
        new DaemonConfig()
            .host("127.0.0.1")
            .port(0)
            .dataDir(dir.resolve("data"))
            .cacheDir(dir.resolve("cache"))
            .shutdownGraceSeconds(2)
            .tokens(List.of(TOKEN));
    tweak.accept(c);
    return Daemon.start(vertx, false, c, r -> {})
        .toCompletionStage()
        .toCompletableFuture()
        .get(1, TimeUnit.MINUTES);
  }

  static Oci2vmClient.Builder client(Daemon d) {
    return Oci2vmClient.builder(URI.create("http://127.0.0.1:" + d.port()))
        .token(TOKEN)
        .backoff(Duration.ofMillis(50));
  }

  static synchronized Job finished() {
    if (finished == null) {
      Job job =
          client.submit(
              ConversionRequest.builder(Fixtures.multiLayer().reference())
                  .formats("qcow2")
                  .build());
      Job done = client.waitFor(job.id(), LONG);
      assertEquals(JobState.SUCCEEDED, done.state(), String.valueOf(done.error()));
      finished = done;
    }
    return finished;
  }

  static String sha256(byte[] b) throws Exception {
    return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  @Test
  void submitWaitForDownload_artifactsMatchTheirListedDigests() throws Exception {
    Job job = finished();
    assertEquals(List.of("qcow2"), job.request().formats(), "the daemon's defaults filled in");
    assertEquals("api", job.trigger());
    assertNotNull(job.imageDigest());
    assertFalse(job.artifacts().isEmpty());
    for (Artifact a : job.artifacts()) {
      Path file = client.download(job.id(), a.name(), tmp.resolve("out").resolve(a.name()));
      byte[] bytes = Files.readAllBytes(file);
      assertEquals(a.size(), bytes.length, a.toString());
      assertEquals(a.sha256(), sha256(bytes), a.toString());
      assertFalse(Files.exists(tmp.resolve("out").resolve(a.name() + ".part")));
    }
    Oci2vmClientErrorException none =
        assertThrows(
            Oci2vmClientErrorException.class,
            () -> client.download(job.id(), "nope.qcow2", tmp.resolve("nope")));
    assertEquals(404, none.status());
  }

  @Test
  void download_withAPartialFile_resumesFromIt() throws Exception {
    Job job = finished();
    Artifact a = job.artifacts().get(0);
    byte[] whole = Files.readAllBytes(client.download(job.id(), a.name(), tmp.resolve("whole")));
    Path target = tmp.resolve("resumed.qcow2");
    Path part = tmp.resolve("resumed.qcow2.part");
    int n = whole.length / 3;
    Files.write(part, Arrays.copyOf(whole, n));
    RecordingHttpClient http = new RecordingHttpClient(HttpClient.newHttpClient());

    try (Oci2vmClient recorded = client(daemon).httpClient(http).build()) {
      recorded.download(job.id(), a.name(), target);
    }

    assertArrayEquals(whole, Files.readAllBytes(target));
    assertFalse(Files.exists(part), "the .part became the target");
    HttpRequest get = http.sent.get(http.sent.size() - 1);
    assertTrue(get.uri().getPath().endsWith("/artifacts/" + a.name()), get.toString());
    assertEquals("bytes=" + n + "-", get.headers().firstValue("Range").orElse(null));
    assertEquals("\"" + a.sha256() + "\"", get.headers().firstValue("If-Range").orElse(null));
  }

  /** The JDK client, noting the requests it sends (to see the Range header). */
  static final class RecordingHttpClient extends HttpClient {
    final HttpClient real;
    final List<HttpRequest> sent = new java.util.concurrent.CopyOnWriteArrayList<>();

    RecordingHttpClient(HttpClient real) {
      this.real = real;
    }

    @Override
    public <T> HttpResponse<T> send(HttpRequest r, HttpResponse.BodyHandler<T> h)
        throws java.io.IOException, InterruptedException {
      sent.add(r);
      return real.send(r, h);
    }

    @Override
    public <T> java.util.concurrent.CompletableFuture<HttpResponse<T>> sendAsync(
        HttpRequest r, HttpResponse.BodyHandler<T> h) {
      sent.add(r);
      return real.sendAsync(r, h);
    }

    @Override
    public <T> java.util.concurrent.CompletableFuture<HttpResponse<T>> sendAsync(
        HttpRequest r, HttpResponse.BodyHandler<T> h, HttpResponse.PushPromiseHandler<T> p) {
      sent.add(r);
      return real.sendAsync(r, h, p);
    }

    @Override
    public java.util.Optional<java.net.CookieHandler> cookieHandler() {
      return real.cookieHandler();
    }

    @Override
    public java.util.Optional<Duration> connectTimeout() {
      return real.connectTimeout();
    }

    @Override
    public Redirect followRedirects() {
      return real.followRedirects();
    }

    @Override
    public java.util.Optional<java.net.ProxySelector> proxy() {
      return real.proxy();
    }

    @Override
    public javax.net.ssl.SSLContext sslContext() {
      return real.sslContext();
    }

    @Override
    public javax.net.ssl.SSLParameters sslParameters() {
      return real.sslParameters();
    }

    @Override
    public java.util.Optional<java.net.Authenticator> authenticator() {
      return real.authenticator();
    }

    @Override
    public Version version() {
      return real.version();
    }

    @Override
    public java.util.Optional<java.util.concurrent.Executor> executor() {
      return real.executor();
    }
  }

  @Test
  void download_tamperedPartialFile_failsTheDigestAndIsDeleted() throws Exception {
    Job job = finished();
    Artifact a = job.artifacts().get(0);
    Path target = tmp.resolve("tampered.qcow2");
    Path part = tmp.resolve("tampered.qcow2.part");
    byte[] wrong = new byte[(int) Math.min(4096, a.size() / 2)];
    Arrays.fill(wrong, (byte) 0x5a);
    Files.write(part, wrong);

    Oci2vmDigestException e =
        assertThrows(
            Oci2vmDigestException.class, () -> client.download(job.id(), a.name(), target));

    assertEquals(a.sha256(), e.expected());
    assertNotEquals(a.sha256(), e.actual());
    assertFalse(Files.exists(target), "no target from bad bytes");
    assertFalse(Files.exists(part), "the bad .part is gone, so a retry starts over");
    client.download(job.id(), a.name(), target);
    assertEquals(a.sha256(), sha256(Files.readAllBytes(target)));
  }

  @Test
  void events_streamStatesAndStepsUntilTheEnd_thenArtifactsCanBeDeleted() {
    Job job =
        client.submit(
            ConversionRequest.builder(Fixtures.glibcApp().reference()).formats("raw").build());
    List<JobEvent> seen = new ArrayList<>();
    client.events(job.id(), seen::add);

    assertTrue(seen.stream().anyMatch(e -> e.type().equals("state")), seen.toString());
    assertTrue(
        seen.stream().anyMatch(e -> e.type().equals("step") && e.stage() != null), seen.toString());
    JobEvent last = seen.get(seen.size() - 1);
    assertTrue(last.isEnd(), seen.toString());
    assertEquals("SUCCEEDED", last.state());

    Job done = client.get(job.id());
    assertEquals(JobState.SUCCEEDED, done.state());
    client.deleteArtifacts(job.id());
    assertEquals(List.of(), client.get(job.id()).artifacts());
  }

  @Test
  void listAndCancel_pagesNewestFirst_cancelledJobsEnd() {
    // Slow jobs (the Debian nginx image, compressed formats), so both are still active when the
    // list and the cancels below arrive.
    Job a =
        client.submit(
            ConversionRequest.builder(Fixtures.debianNginx().reference())
                .formats("vdi", "ova")
                .build());
    Job b =
        client.submit(
            ConversionRequest.builder(Fixtures.debianNginx().reference())
                .formats("vhdx", "vmdk-stream")
                .build());

    JobPage first = client.list(JobQuery.all().limit(1));
    assertEquals(1, first.items().size());
    assertEquals(b.id(), first.items().get(0).id(), "newest first");
    assertTrue(first.hasNext());
    JobPage second = client.list(JobQuery.all().limit(1).after(first.next()));
    assertEquals(a.id(), second.items().get(0).id());
    JobPage active =
        client.list(JobQuery.all().states(JobState.QUEUED, JobState.RUNNING).image("Nginx"));
    assertTrue(active.items().stream().anyMatch(j -> j.id().equals(a.id())), active.toString());
    assertEquals(
        List.of(),
        client.list(JobQuery.all().trigger("hook:nowhere")).items(),
        "filtered by trigger");

    client.cancel(a.id());
    client.cancel(b.id());
    assertEquals(JobState.CANCELLED, client.waitFor(a.id(), LONG).state());
    assertEquals(JobState.CANCELLED, client.waitFor(b.id(), LONG).state());
    Oci2vmClientErrorException again =
        assertThrows(Oci2vmClientErrorException.class, () -> client.cancel(a.id()));
    assertEquals(409, again.status());
    assertEquals("ALREADY_FINISHED", again.code());
  }

  @Test
  void errors_areTypedWithStatusAndCode() {
    try (Oci2vmClient wrong = client(daemon).token("wrong-token-0123456789abcdef").build()) {
      Oci2vmClientErrorException e =
          assertThrows(Oci2vmClientErrorException.class, () -> wrong.list(JobQuery.all()));
      assertEquals(401, e.status());
      assertEquals("UNAUTHORIZED", e.code());
      assertEquals(1, e.attempts(), "a 401 is not retried");
    }
    Oci2vmClientErrorException unknown =
        assertThrows(Oci2vmClientErrorException.class, () -> client.get("no-such-job"));
    assertEquals(404, unknown.status());
    assertEquals("NOT_FOUND", unknown.code());
    Oci2vmClientErrorException bad =
        assertThrows(
            Oci2vmClientErrorException.class,
            () -> client.submit(ConversionRequest.builder("bad ref with spaces").build()));
    assertEquals(400, bad.status());
    assertEquals("BAD_REFERENCE", bad.code());
    Oci2vmClientErrorException format =
        assertThrows(
            Oci2vmClientErrorException.class,
            () -> client.submit(ConversionRequest.builder("x:1").formats("qcow3").build()));
    assertEquals("UNKNOWN_FORMAT", format.code());
    assertTrue(format.getMessage().contains("qcow3"), format.getMessage());
  }

  @Test
  void connectionRefused_isRetriedThenAConnectionException() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort(); // closed again: nothing listens there
    }
    try (Oci2vmClient nowhere =
        Oci2vmClient.builder(URI.create("http://127.0.0.1:" + port))
            .token(TOKEN)
            .retries(3)
            .backoff(Duration.ofMillis(10))
            .build()) {
      Oci2vmConnectionException e =
          assertThrows(Oci2vmConnectionException.class, () -> nowhere.get("x"));
      assertEquals(0, e.status());
      assertEquals(3, e.attempts());
      assertInstanceOf(ConnectException.class, e.getCause());
    }
  }

  @Test
  void asyncTwins_completeWithTheSameResults() throws Exception {
    Job first = finished();
    // The same request again after it finished: a new job sharing the first one's result.
    Job again =
        client
            .submitAsync(first.request())
            .thenCompose(j -> client.waitForAsync(j.id(), LONG))
            .get(2, TimeUnit.MINUTES);
    assertEquals(JobState.SUCCEEDED, again.state());
    assertEquals(first.id(), again.sharedWith());
    assertEquals(again, client.getAsync(again.id()).get(1, TimeUnit.MINUTES));
    assertTrue(
        client
            .listAsync(JobQuery.all().states(JobState.SUCCEEDED))
            .get(1, TimeUnit.MINUTES)
            .items()
            .stream()
            .anyMatch(j -> j.id().equals(again.id())));
    Artifact a = again.artifacts().get(0);
    Path file =
        client.downloadAsync(again.id(), a.name(), tmp.resolve("async")).get(1, TimeUnit.MINUTES);
    assertEquals(a.sha256(), sha256(Files.readAllBytes(file)));
    ExecutionException e =
        assertThrows(
            ExecutionException.class,
            () -> client.cancelAsync(again.id()).get(1, TimeUnit.MINUTES));
    Oci2vmClientErrorException cause =
        assertInstanceOf(Oci2vmClientErrorException.class, e.getCause());
    assertEquals(409, cause.status());
    assertThrows(
        CompletionException.class, () -> client.getAsync("no-such-job").join(), "404 async");
  }

  @Test
  void fullQueue_429IsRetriedThenThrown_andWaitForTimesOut() throws Exception {
    Daemon small = start(tmp, c -> c.workers(1).queueCapacity(1));
    try (Oci2vmClient c = client(small).build();
        Oci2vmClient twice = client(small).retries(2).maxBackoff(Duration.ofMillis(200)).build()) {
      Job slow =
          c.submit(
              ConversionRequest.builder(Fixtures.debianNginx().reference())
                  .formats("qcow2", "vdi", "vhdx")
                  .build());
      while (c.get(slow.id()).state() == JobState.QUEUED) {
        Thread.sleep(50);
      }
      Job queued =
          c.submit(
              ConversionRequest.builder(Fixtures.multiLayer().reference()).formats("raw").build());
      try {
        Oci2vmClientErrorException full =
            assertThrows(
                Oci2vmClientErrorException.class,
                () ->
                    twice.submit(
                        ConversionRequest.builder(Fixtures.glibcApp().reference()).build()));
        assertEquals(429, full.status());
        assertEquals("QUEUE_FULL", full.code());
        assertEquals(2, full.attempts(), full.getMessage());
        assertTrue(full.getMessage().contains("after 2 attempts"), full.getMessage());

        long t0 = System.nanoTime();
        assertThrows(
            Oci2vmTimeoutException.class, () -> c.waitFor(slow.id(), Duration.ofSeconds(1)));
        assertTrue(
            System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10),
            "the event stream is abandoned at the deadline");
      } finally {
        c.cancel(queued.id());
        c.cancel(slow.id());
        c.waitFor(slow.id(), LONG);
      }
    } finally {
      small.close().toCompletionStage().toCompletableFuture().get(1, TimeUnit.MINUTES);
    }
  }
}
