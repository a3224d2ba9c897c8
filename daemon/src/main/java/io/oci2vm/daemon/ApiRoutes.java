package io.oci2vm.daemon;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.oci2vm.daemon.store.ArtifactStore;
import io.oci2vm.daemon.store.Job;
import io.oci2vm.daemon.store.JobRequest;
import io.oci2vm.daemon.store.JobState;
import io.oci2vm.daemon.store.JobStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * The HTTP API under /v1, health, readiness and metrics. Handlers never block the event loop: store
 * and file work runs on a named worker executor.
 */
final class ApiRoutes {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Vertx vertx;
  private final DaemonConfig config;
  private final JobStore store;
  private final ArtifactStore artifacts;
  private final JobService jobs;
  private final JobEvents events;
  private final Metrics metrics;
  private final List<byte[]> tokens;
  private final WorkerExecutor blocking;

  ApiRoutes(
      Vertx vertx,
      DaemonConfig config,
      JobStore store,
      ArtifactStore artifacts,
      JobService jobs,
      JobEvents events,
      Metrics metrics,
      List<String> tokens) {
    this.vertx = vertx;
    this.config = config;
    this.store = store;
    this.artifacts = artifacts;
    this.jobs = jobs;
    this.events = events;
    this.metrics = metrics;
    this.tokens = tokens.stream().map(t -> t.getBytes(StandardCharsets.UTF_8)).toList();
    this.blocking = vertx.createSharedWorkerExecutor("oci2vm-api", 4);
  }

  Router router(java.util.function.Consumer<Router> extra) {
    Router r = Router.router(vertx);
    r.get("/healthz").handler(c -> json(c, 200, new JsonObject().put("status", "ok")));
    r.get("/readyz")
        .handler(
            c ->
                json(
                    c,
                    jobs.accepting() ? 200 : 503,
                    new JsonObject().put("status", jobs.accepting() ? "ready" : "shutting down")));
    extra.accept(r); // webhooks: their own authentication, before the bearer check
    // Authenticate before reading any body; never accept file uploads (vertx-web would keep them).
    r.route().handler(this::authenticate);
    r.route().handler(BodyHandler.create(false).setBodyLimit(config.maxBodyBytes()));
    r.get("/metrics").handler(this::metrics);
    r.get("/v1/openapi.json").handler(this::openapi);
    r.post("/v1/conversions").handler(this::submit);
    r.get("/v1/conversions").handler(this::list);
    r.get("/v1/conversions/:id").handler(this::get);
    r.post("/v1/conversions/:id/cancel").handler(this::cancel);
    r.delete("/v1/conversions/:id").handler(this::cancel);
    r.get("/v1/conversions/:id/events").handler(this::events);
    r.get("/v1/conversions/:id/artifacts/*").handler(this::download);
    r.head("/v1/conversions/:id/artifacts/*").handler(this::download);
    r.delete("/v1/conversions/:id/artifacts").handler(this::deleteArtifacts);
    r.route().last().handler(c -> error(c, new ApiException(404, "NOT_FOUND", "no such endpoint")));
    r.route()
        .failureHandler(
            c -> {
              Throwable t = c.failure();
              if (t instanceof ApiException a) {
                error(c, a);
              } else if (c.statusCode() == 413) {
                error(c, new ApiException(413, "BODY_TOO_LARGE", "the body is over the limit"));
              } else {
                error(c, new ApiException(500, "INTERNAL", String.valueOf(t)));
              }
            });
    return r;
  }

  private void authenticate(RoutingContext c) {
    String h = c.request().getHeader("Authorization");
    if (h != null && h.startsWith("Bearer ")) {
      byte[] given = h.substring(7).trim().getBytes(StandardCharsets.UTF_8);
      for (byte[] t : tokens) {
        if (MessageDigest.isEqual(given, t)) {
          c.next();
          return;
        }
      }
    }
    c.response().putHeader("WWW-Authenticate", "Bearer realm=\"oci2vm\"");
    error(c, new ApiException(401, "UNAUTHORIZED", "a valid bearer token is required"));
  }

  private void submit(RoutingContext c) {
    JobRequest req;
    try {
      req =
          JSON.readValue(
              c.body().buffer() == null ? new byte[0] : c.body().buffer().getBytes(),
              JobRequest.class);
    } catch (Exception e) {
      error(
          c,
          new ApiException(
              400, "BAD_REQUEST", "the body is not a conversion request: " + brief(e)));
      return;
    }
    run(c, () -> jobs.submit(Requests.normalise(req), "api"))
        .onSuccess(
            s -> {
              c.response().putHeader("Location", "/v1/conversions/" + s.job().id());
              json(c, s.existing() ? 200 : 202, JobJson.of(s.job(), base(c)));
            });
  }

  private void list(RoutingContext c) {
    Set<JobState> states = null;
    String st = c.request().getParam("state");
    try {
      if (st != null && !st.isBlank()) {
        states = EnumSet.noneOf(JobState.class);
        for (String s : st.split(",")) {
          states.add(JobState.valueOf(s.trim().toUpperCase()));
        }
      }
    } catch (IllegalArgumentException e) {
      error(
          c,
          new ApiException(
              400, "BAD_REQUEST", "state must be among " + List.of(JobState.values())));
      return;
    }
    int limit;
    try {
      limit = Integer.parseInt(c.request().getParam("limit", "50"));
    } catch (NumberFormatException e) {
      error(c, new ApiException(400, "BAD_REQUEST", "limit must be a number"));
      return;
    }
    if (limit < 1 || limit > 500) {
      error(c, new ApiException(400, "BAD_REQUEST", "limit must be 1-500"));
      return;
    }
    JobStore.Query q =
        new JobStore.Query(
            states,
            c.request().getParam("image"),
            c.request().getParam("trigger"),
            limit,
            c.request().getParam("after"));
    run(c, () -> store.list(q))
        .onSuccess(
            page -> {
              JsonArray items = new JsonArray();
              page.jobs().forEach(j -> items.add(JobJson.of(j, base(c))));
              json(c, 200, new JsonObject().put("items", items).put("next", page.next()));
            });
  }

  private void get(RoutingContext c) {
    run(c, () -> view(find(c.pathParam("id"))))
        .onSuccess(j -> json(c, 200, JobJson.of(j, base(c))));
  }

  private void cancel(RoutingContext c) {
    String id = c.pathParam("id");
    run(
            c,
            () -> {
              Job j = find(id);
              if (!jobs.cancel(id)) {
                throw new ApiException(409, "ALREADY_FINISHED", "job " + id + " is " + j.state());
              }
              return store.get(id).orElseThrow();
            })
        .onSuccess(j -> json(c, 202, JobJson.of(j, base(c))));
  }

  private void events(RoutingContext c) {
    String id = c.pathParam("id");
    HttpServerResponse r = c.response();
    // Subscribe before reading the history, so nothing published in between is lost; events
    // that arrive meanwhile wait in `pending`. Everything below runs on this event loop.
    List<JsonObject> pending = new ArrayList<>();
    long[] lastSeq = {-1};
    boolean[] ready = {false};
    MessageConsumer<JsonObject> consumer = vertx.eventBus().consumer(JobEvents.address(id));
    long ping = vertx.setPeriodic(15_000, t -> sse(r, null));
    Runnable stop =
        () -> {
          consumer.unregister();
          vertx.cancelTimer(ping);
        };
    r.closeHandler(v -> stop.run());
    java.util.function.Consumer<JsonObject> deliver =
        e -> {
          long s = e.getLong("seq", Long.MAX_VALUE);
          if (s <= lastSeq[0] || r.ended()) {
            return;
          }
          lastSeq[0] = s;
          sse(r, e);
          if ("state".equals(e.getString("type"))
              && JobState.valueOf(e.getString("state")).terminal()) {
            sse(r, new JsonObject().put("type", "end").put("state", e.getString("state")));
            stop.run();
            r.end();
          }
        };
    consumer.handler(
        m -> {
          if (ready[0]) {
            deliver.accept(m.body());
          } else {
            pending.add(m.body());
          }
        });
    consumer
        .completion()
        .compose(v -> run(c, () -> new Object[] {find(id), events.history(id)}))
        .onFailure(t -> stop.run())
        .onSuccess(
            o -> {
              if (r.closed()) {
                stop.run();
                return;
              }
              Job job = (Job) o[0];
              @SuppressWarnings("unchecked")
              List<JsonObject> history = (List<JsonObject>) o[1];
              r.setChunked(true)
                  .putHeader("Content-Type", "text/event-stream")
                  .putHeader("Cache-Control", "no-cache")
                  .putHeader("X-Accel-Buffering", "no");
              ready[0] = true;
              history.forEach(deliver);
              pending.forEach(deliver);
              pending.clear();
              if (!r.ended() && job.state().terminal()) {
                // Finished before this stream saw its last state (or long ago).
                sse(r, new JsonObject().put("type", "end").put("state", job.state().name()));
                stop.run();
                r.end();
              }
            });
  }

  /** Writes one event, or a keep-alive comment for null. */
  private static void sse(HttpServerResponse r, JsonObject e) {
    if (r.ended() || r.closed() || !r.headWritten() && e == null) {
      return;
    }
    r.write(
        e == null
            ? ": keep-alive\n\n"
            : "event: " + e.getString("type") + "\ndata: " + e.encode() + "\n\n");
  }

  private void download(RoutingContext c) {
    String id = c.pathParam("id");
    String name = c.pathParam("*");
    run(
            c,
            () -> {
              Job j = view(find(id));
              String owner = j.sharedWith() != null ? j.sharedWith() : j.id();
              var a =
                  j.artifacts().stream()
                      .filter(x -> x.name().equals(name))
                      .findFirst()
                      .orElseThrow(
                          () ->
                              new ApiException(
                                  404, "NOT_FOUND", "job " + id + " has no artifact " + name));
              Path file = artifacts.jobDir(owner).resolve(a.name()).normalize();
              if (!file.startsWith(artifacts.jobDir(owner)) || !Files.isRegularFile(file)) {
                throw new ApiException(410, "GONE", "artifact " + name + " was deleted or evicted");
              }
              artifacts.touch(owner);
              return new Object[] {file, a};
            })
        .onSuccess(
            o -> {
              Path file = (Path) o[0];
              var a = (io.oci2vm.daemon.store.Artifact) o[1];
              Ranges.send(c, file, a.size(), a.sha256());
            });
  }

  private void deleteArtifacts(RoutingContext c) {
    String id = c.pathParam("id");
    run(
            c,
            () -> {
              Job j = find(id);
              if (!j.state().terminal()) {
                throw new ApiException(409, "STILL_RUNNING", "cancel the job first");
              }
              artifacts.delete(id);
              store.artifactsDeleted(id);
              return j;
            })
        .onSuccess(j -> c.response().setStatusCode(204).end());
  }

  private void metrics(RoutingContext c) {
    run(
            c,
            () ->
                metrics.render(
                    jobs.queued(), jobs.runningCount(), store.counts(), artifacts.totalBytes()))
        .onSuccess(
            text ->
                c.response()
                    .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                    .end(text));
  }

  private void openapi(RoutingContext c) {
    run(
            c,
            () -> {
              try (var in = ApiRoutes.class.getResourceAsStream("/io/oci2vm/daemon/openapi.json")) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
              }
            })
        .onSuccess(s -> c.response().putHeader("Content-Type", "application/json").end(s));
  }

  private Job find(String id) {
    return store.get(id).orElseThrow(() -> new ApiException(404, "NOT_FOUND", "no job " + id));
  }

  /** A job that shares another's result shows that job's artifacts. */
  private Job view(Job j) {
    if (j.sharedWith() == null) {
      return j;
    }
    Optional<Job> owner = store.get(j.sharedWith());
    return new Job(
        j.id(),
        j.state(),
        j.request(),
        j.trigger(),
        j.imageDigest(),
        j.dedupeKey(),
        j.sharedWith(),
        j.created(),
        j.updated(),
        j.attempts(),
        j.cancelRequested(),
        j.errorCode(),
        j.errorMessage(),
        owner.map(Job::artifacts).orElse(List.of()));
  }

  /** Runs blocking work off the event loop; failures become JSON errors. */
  private <T> Future<T> run(RoutingContext c, Callable<T> work) {
    Future<T> f = blocking.executeBlocking(work, false);
    return f.onFailure(
        t -> {
          if (t instanceof ApiException a) {
            error(c, a);
          } else {
            error(c, new ApiException(500, "INTERNAL", brief(t)));
          }
        });
  }

  static String base(RoutingContext c) {
    return c.request().scheme() + "://" + c.request().authority();
  }

  static void json(RoutingContext c, int status, JsonObject body) {
    if (c.response().ended()) {
      return;
    }
    c.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(body.encode());
  }

  static void error(RoutingContext c, ApiException e) {
    if (e.status() == 429) {
      c.response().putHeader("Retry-After", "10");
    }
    json(
        c,
        e.status(),
        new JsonObject()
            .put("error", new JsonObject().put("code", e.code()).put("message", e.getMessage())));
  }

  private static String brief(Throwable t) {
    String m = t.getMessage();
    return m == null ? t.getClass().getSimpleName() : m.length() > 300 ? m.substring(0, 300) : m;
  }

  /** "sha256:HEX" to the RFC 3230 Digest header value. */
  static String digestHeader(String sha256) {
    return "sha-256="
        + Base64.getEncoder().encodeToString(HexFormat.of().parseHex(sha256.substring(7)));
  }

  static List<String> split(String s) {
    return s == null ? List.of() : new ArrayList<>(List.of(s.split(",")));
  }
}
