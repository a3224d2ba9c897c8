package io.oci2vm.daemon;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.oci2vm.daemon.hooks.HookException;
import io.oci2vm.daemon.hooks.HookRule;
import io.oci2vm.daemon.hooks.HookSecrets;
import io.oci2vm.daemon.hooks.HookSource;
import io.oci2vm.daemon.hooks.PushEvent;
import io.oci2vm.daemon.hooks.Webhooks;
import io.oci2vm.daemon.store.JobRequest;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code POST /v1/hooks/{source}}: registry push notifications, authenticated the way each source
 * can (not with the API's bearer tokens), turned into conversions by the configured rules.
 *
 * <p>Config ("hooks" in the daemon's JSON): {@code {"secrets": {"distribution": TOKEN, "harbor":
 * AUTH_HEADER, "github": HMAC_SECRET, "dockerhub": TOKEN, "quay": TOKEN}, "rules": [{"source":
 * "distribution", "repository": "apps/**", "tag": "v*", "pinDigest": true, "request": {"formats":
 * ["qcow2"]}}]}}.
 */
final class HookRoutes {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Webhooks webhooks;
  private final JobService jobs;
  private final Metrics metrics;
  private final WorkerExecutor blocking;
  private final int maxBody;

  HookRoutes(Vertx vertx, DaemonConfig config, JobService jobs, Metrics metrics) {
    JsonObject h = config.hooks();
    JsonObject s = h.getJsonObject("secrets", new JsonObject());
    HookSecrets secrets =
        new HookSecrets(
            s.getString("distribution"),
            s.getString("harbor"),
            s.getString("github"),
            s.getString("dockerhub"),
            s.getString("quay"));
    List<HookRule> rules = new ArrayList<>();
    for (Object o : h.getJsonArray("rules", new JsonArray())) {
      JsonObject r = (JsonObject) o;
      JobRequest template;
      try {
        template =
            JSON.readValue(r.getJsonObject("request", new JsonObject()).encode(), JobRequest.class);
      } catch (Exception e) {
        throw new IllegalArgumentException("hooks.rules: bad request template: " + e.getMessage());
      }
      rules.add(
          new HookRule(
              r.getString("source"),
              r.getString("repository", "**"),
              r.getString("tag", "*"),
              template,
              r.getBoolean("pinDigest", false)));
    }
    this.maxBody = config.maxBodyBytes();
    this.webhooks = new Webhooks(secrets, rules, maxBody);
    this.jobs = jobs;
    this.metrics = metrics;
    this.blocking = vertx.createSharedWorkerExecutor("oci2vm-hooks", 2);
  }

  void install(Router r) {
    r.post("/v1/hooks/:source")
        .handler(BodyHandler.create(false).setBodyLimit(maxBody + 1L))
        .handler(this::handle);
  }

  private void handle(RoutingContext c) {
    Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    c.request().headers().forEach(e -> headers.putIfAbsent(e.getKey(), e.getValue()));
    Map<String, String> query = new TreeMap<>();
    c.queryParams().forEach(e -> query.putIfAbsent(e.getKey(), e.getValue()));
    byte[] body = c.body().buffer() == null ? new byte[0] : c.body().buffer().getBytes();
    String source = c.pathParam("source");
    blocking
        .executeBlocking(
            () -> {
              HookSource src = HookSource.parse(source);
              List<String> ids = new ArrayList<>();
              int events = 0;
              for (PushEvent e : webhooks.parse(src, headers, query, body)) {
                events++;
                for (JobRequest req : webhooks.requestsFor(e)) {
                  ids.add(jobs.submit(Requests.normalise(req), "hook:" + src.id()).job().id());
                }
              }
              metrics.hook();
              return new JsonObject().put("events", events).put("jobs", new JsonArray(ids));
            },
            false)
        .onSuccess(j -> ApiRoutes.json(c, 202, j))
        .onFailure(
            t -> {
              if (t instanceof HookException h) {
                ApiRoutes.error(c, new ApiException(h.status(), h.code(), h.getMessage()));
              } else if (t instanceof ApiException a) {
                ApiRoutes.error(c, a);
              } else {
                ApiRoutes.error(c, new ApiException(500, "INTERNAL", String.valueOf(t)));
              }
            });
  }
}
