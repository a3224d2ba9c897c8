package io.oci2vm.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A client for one oci2vm daemon ({@code oci2vm serve}). Thread-safe; make one and share it.
 *
 * <pre>{@code
 * try (Oci2vmClient client = Oci2vmClient.builder(URI.create("http://127.0.0.1:8780"))
 *     .token(token).build()) {
 *   Job job = client.submit(ConversionRequest.builder("registry.example/app:1.0")
 *       .formats("qcow2").build());
 *   job = client.waitFor(job.id(), Duration.ofMinutes(10));
 *   client.download(job.id(), job.artifacts().get(0).name(), Path.of("app.qcow2"));
 * }
 * }</pre>
 *
 * <p>Every call sends the bearer token. Calls are retried with exponential backoff when the daemon
 * answers 429 (queue full; its Retry-After is honoured) or 503, and when the connection fails or
 * times out; no other 4xx answer is retried. Failures are {@link Oci2vmClientException}s. The
 * {@code ...Async} twins run the same calls on the client's own threads.
 */
public final class Oci2vmClient implements AutoCloseable {
  private static final Duration MAX_POLL = Duration.ofSeconds(2);

  private final Transport transport;
  private final ExecutorService async;
  private final ScheduledExecutorService timers;
  private volatile boolean closed;

  private Oci2vmClient(Transport transport) {
    this.transport = transport;
    this.async = Executors.newCachedThreadPool(threads("oci2vm-client-"));
    this.timers = Executors.newSingleThreadScheduledExecutor(threads("oci2vm-client-timer-"));
  }

  /**
   * A builder for a client of the daemon at {@code baseUri}, e.g. {@code http://127.0.0.1:8780}.
   */
  public static Builder builder(URI baseUri) {
    return new Builder(Objects.requireNonNull(baseUri, "baseUri was not specified"));
  }

  /**
   * Submits a conversion. An identical request that is still queued or running is not started
   * twice: the daemon answers with that job. This is what makes retrying a submit safe.
   *
   * @return the new (or already active, identical) job
   */
  public Job submit(ConversionRequest request) {
    Objects.requireNonNull(request, "request was not specified");
    byte[] body = Json.body(request);
    return json(
        "POST /v1/conversions",
        () ->
            transport
                .request("/v1/conversions")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build(),
        Json::job);
  }

  /** The job {@code jobId}; an {@link Oci2vmClientErrorException} with status 404 if unknown. */
  public Job get(String jobId) {
    String path = jobPath(jobId);
    return json("GET " + path, () -> transport.request(path).GET().build(), Json::job);
  }

  /** One page of jobs, newest first; follow {@link JobPage#next()} with {@link JobQuery#after}. */
  public JobPage list(JobQuery query) {
    Objects.requireNonNull(query, "query was not specified");
    List<String> params = new ArrayList<>();
    if (!query.states().isEmpty()) {
      params.add(
          "state="
              + String.join(",", query.states().stream().sorted().map(JobState::name).toList()));
    }
    param(params, "image", query.image());
    param(params, "trigger", query.trigger());
    if (query.limit() > 0) {
      params.add("limit=" + query.limit());
    }
    param(params, "after", query.after());
    String path = "/v1/conversions" + (params.isEmpty() ? "" : "?" + String.join("&", params));
    return json("GET " + path, () -> transport.request(path).GET().build(), Json::page);
  }

  /**
   * Asks the daemon to cancel a job: a queued job is cancelled at once, a running one at its next
   * step. An {@link Oci2vmClientErrorException} with status 409 if it has already finished.
   *
   * @return the job as it is now (possibly still RUNNING with {@link Job#cancelRequested()})
   */
  public Job cancel(String jobId) {
    String path = jobPath(jobId) + "/cancel";
    return json(
        "POST " + path,
        () -> transport.request(path).POST(HttpRequest.BodyPublishers.noBody()).build(),
        Json::job);
  }

  /**
   * Waits until the job is SUCCEEDED, FAILED or CANCELLED, following its event stream and polling
   * when the stream is not available.
   *
   * @return the finished job (check its state: a failed job is returned, not thrown)
   * @throws Oci2vmTimeoutException if it has not finished within {@code timeout}
   */
  public Job waitFor(String jobId, Duration timeout) {
    Objects.requireNonNull(timeout, "timeout was not specified");
    long deadline = System.nanoTime() + timeout.toNanos();
    Job job = get(jobId);
    if (job.isTerminal()) {
      return job;
    }
    try {
      stream(jobId, e -> {}, deadline);
    } catch (Oci2vmConnectionException | Oci2vmServerErrorException e) {
      // The stream is a shortcut; polling below is the ground truth.
    }
    Duration interval = Duration.ofMillis(250);
    while (true) {
      job = get(jobId);
      if (job.isTerminal()) {
        return job;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new Oci2vmTimeoutException(
            "job " + jobId + " is still " + job.state() + " after " + timeout);
      }
      Transport.sleep("waiting for job " + jobId, min(interval, Duration.ofNanos(left)), 1, null);
      interval = min(interval.multipliedBy(2), MAX_POLL);
    }
  }

  /**
   * Streams the job's progress to {@code onEvent}, first what happened so far, and blocks until the
   * {@code end} event or the daemon closes the stream. Events arrive on the calling thread.
   *
   * @throws Oci2vmConnectionException if the connection breaks mid-stream
   */
  public void events(String jobId, Consumer<JobEvent> onEvent) {
    Objects.requireNonNull(onEvent, "onEvent was not specified");
    stream(jobId, onEvent, 0);
  }

  /**
   * Downloads an artifact of a finished job to {@code target}. The bytes go to {@code target.part},
   * which a later call resumes with a Range request (If-Range guards against a changed artifact);
   * the content is checked against the artifact's sha256 (and the daemon's Digest header) and only
   * then renamed onto {@code target}, replacing it.
   *
   * @return {@code target}
   * @throws Oci2vmDigestException if the content does not match; the .part is deleted
   * @throws Oci2vmClientErrorException 404 if the job has no such artifact, 410 if it was evicted
   */
  public Path download(String jobId, String artifactName, Path target) {
    Objects.requireNonNull(artifactName, "artifactName was not specified");
    Objects.requireNonNull(target, "target was not specified");
    Job job = get(jobId);
    Artifact a =
        job.artifact(artifactName)
            .orElseThrow(
                () ->
                    new Oci2vmClientErrorException(
                        "job "
                            + jobId
                            + " has no artifact "
                            + artifactName
                            + " (it has "
                            + job.artifacts().stream().map(Artifact::name).toList()
                            + ")",
                        404,
                        "NOT_FOUND",
                        1));
    if (a.sha256() == null) {
      throw new Oci2vmClientException(
          "the daemon lists no sha256 for " + artifactName, 0, null, 1, null);
    }
    return new Download(transport, jobId, a, target).run();
  }

  /** Deletes a finished job's artifacts on the daemon; 409 if it is still queued or running. */
  public void deleteArtifacts(String jobId) {
    ensureOpen();
    String path = jobPath(jobId) + "/artifacts";
    String what = "DELETE " + path;
    transport.exchange(
        what,
        () -> transport.request(path).DELETE().build(),
        (r, attempt) -> {
          Transport.ensureOk(what, r, attempt);
          return null;
        });
  }

  /** {@link #submit} on the client's threads. */
  public CompletableFuture<Job> submitAsync(ConversionRequest request) {
    return later(() -> submit(request));
  }

  /** {@link #get} on the client's threads. */
  public CompletableFuture<Job> getAsync(String jobId) {
    return later(() -> get(jobId));
  }

  /** {@link #list} on the client's threads. */
  public CompletableFuture<JobPage> listAsync(JobQuery query) {
    return later(() -> list(query));
  }

  /** {@link #cancel} on the client's threads. */
  public CompletableFuture<Job> cancelAsync(String jobId) {
    return later(() -> cancel(jobId));
  }

  /** {@link #waitFor} on the client's threads. */
  public CompletableFuture<Job> waitForAsync(String jobId, Duration timeout) {
    return later(() -> waitFor(jobId, timeout));
  }

  /** {@link #download} on the client's threads. */
  public CompletableFuture<Path> downloadAsync(String jobId, String artifactName, Path target) {
    return later(() -> download(jobId, artifactName, target));
  }

  /**
   * Stops the client's threads; calls running on them are interrupted. The HTTP client, if it was
   * given to the builder, is the caller's to close.
   */
  @Override
  public void close() {
    closed = true;
    async.shutdownNow();
    timers.shutdownNow();
  }

  /** Reads the stream; true if it ended with an end event. A deadline of 0 means none. */
  private boolean stream(String jobId, Consumer<JobEvent> onEvent, long deadline) {
    ensureOpen();
    return new EventStream(transport, timers, jobPath(jobId) + "/events").read(onEvent, deadline);
  }

  private <T> T json(
      String what, Supplier<HttpRequest> request, java.util.function.Function<JsonNode, T> map) {
    ensureOpen();
    return transport.exchange(
        what,
        request,
        (r, attempt) -> {
          Transport.ensureOk(what, r, attempt);
          JsonNode n = Json.MAPPER.readTree(r.body());
          try {
            return map.apply(n);
          } catch (RuntimeException e) {
            throw new Oci2vmClientException(
                what + ": the daemon's answer is not what this client understands: " + e,
                r.statusCode(),
                null,
                attempt,
                e);
          }
        });
  }

  private <T> CompletableFuture<T> later(Supplier<T> call) {
    ensureOpen();
    return CompletableFuture.supplyAsync(call, async);
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("the client is closed");
    }
  }

  private static String jobPath(String jobId) {
    Objects.requireNonNull(jobId, "jobId was not specified");
    return "/v1/conversions/" + Transport.segment(jobId);
  }

  private static void param(List<String> params, String name, String value) {
    if (value != null) {
      params.add(name + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8));
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private static ThreadFactory threads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** Configures a client; every setting has a default. */
  public static final class Builder {
    private final URI baseUri;
    private String token;
    private HttpClient httpClient;
    private int maxAttempts = 4;
    private Duration backoff = Backoff.DEFAULT_INITIAL;
    private Duration maxBackoff = Backoff.DEFAULT_MAX;
    private Duration requestTimeout = Duration.ofSeconds(30);

    private Builder(URI baseUri) {
      if (!"http".equals(baseUri.getScheme()) && !"https".equals(baseUri.getScheme())) {
        throw new IllegalArgumentException("baseUri must be an http or https URL: " + baseUri);
      }
      this.baseUri = baseUri;
    }

    /** The bearer token sent with every request (the daemon's DATA/token, or a configured one). */
    public Builder token(String bearer) {
      this.token = Objects.requireNonNull(bearer, "bearer was not specified");
      return this;
    }

    /**
     * The JDK HTTP client to send with (e.g. for TLS or a proxy); by default a new HTTP/1.1 one.
     */
    public Builder httpClient(HttpClient c) {
      this.httpClient = Objects.requireNonNull(c, "c was not specified");
      return this;
    }

    /** How many times a call is sent at most, counting the first (default 4; 1 = no retries). */
    public Builder retries(int maxAttempts) {
      if (maxAttempts < 1) {
        throw new IllegalArgumentException("maxAttempts must be at least 1");
      }
      this.maxAttempts = maxAttempts;
      return this;
    }

    /**
     * The wait before the first retry (default 500 ms); it doubles with every retry, up to {@link
     * #maxBackoff} (10 s). A Retry-After from the daemon replaces it.
     */
    public Builder backoff(Duration initial) {
      Objects.requireNonNull(initial, "initial was not specified");
      if (initial.isNegative()) {
        throw new IllegalArgumentException("backoff must not be negative");
      }
      this.backoff = initial;
      return this;
    }

    /**
     * The longest wait between attempts, also for a Retry-After the daemon sends (default 10 s).
     */
    public Builder maxBackoff(Duration max) {
      Objects.requireNonNull(max, "max was not specified");
      if (max.isNegative()) {
        throw new IllegalArgumentException("maxBackoff must not be negative");
      }
      this.maxBackoff = max;
      return this;
    }

    /**
     * How long one attempt may wait for the daemon's answer to start (default 30 s). Bodies (event
     * streams, downloads) are not limited by it.
     */
    public Builder requestTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout was not specified");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("requestTimeout must be positive");
      }
      this.requestTimeout = timeout;
      return this;
    }

    /** The client. */
    public Oci2vmClient build() {
      HttpClient http =
          httpClient != null
              ? httpClient
              : HttpClient.newBuilder()
                  .version(HttpClient.Version.HTTP_1_1) // no h2c upgrade dance with the daemon
                  .connectTimeout(requestTimeout)
                  .followRedirects(HttpClient.Redirect.NEVER)
                  .build();
      return new Oci2vmClient(
          new Transport(http, baseUri, token, maxAttempts, backoff, maxBackoff, requestTimeout));
    }
  }
}
