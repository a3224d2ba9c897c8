package io.oci2vm.daemon;

import io.oci2vm.daemon.store.ArtifactStore;
import io.oci2vm.daemon.store.JdbcJobStore;
import io.oci2vm.daemon.store.JobStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;

/**
 * The conversion service: the job store, the workers and the HTTP server, started and stopped as
 * one. {@code oci2vm serve} runs one; tests start their own on port 0.
 */
public final class Daemon {
  private final Vertx vertx;
  private final boolean ownsVertx;
  private final DaemonConfig config;
  private final JobStore store;
  private final JobService jobs;
  private final HttpServer server;
  private final String token;

  private Daemon(
      Vertx vertx,
      boolean ownsVertx,
      DaemonConfig config,
      JobStore store,
      JobService jobs,
      HttpServer server,
      String token) {
    this.vertx = vertx;
    this.ownsVertx = ownsVertx;
    this.config = config;
    this.store = store;
    this.jobs = jobs;
    this.server = server;
    this.token = token;
  }

  /** Starts a daemon on its own Vert.x instance. */
  public static Future<Daemon> start(DaemonConfig config) {
    return start(Vertx.vertx(), true, config, r -> {});
  }

  /**
   * Starts a daemon on {@code vertx}; {@code hooks} adds routes ahead of the bearer-token check
   * (the registry webhooks, which authenticate in their own ways).
   */
  public static Future<Daemon> start(
      Vertx vertx, boolean ownsVertx, DaemonConfig config, Consumer<Router> hooks) {
    return vertx
        .<Object[]>executeBlocking(
            () -> {
              Files.createDirectories(config.dataDir());
              String token = config.tokens().isEmpty() ? loadOrCreateToken(config.dataDir()) : null;
              JobStore store = JdbcJobStore.open(config.dataDir());
              ArtifactStore artifacts =
                  new ArtifactStore(
                      config.dataDir().resolve("artifacts"), config.artifactMaxBytes());
              return new Object[] {store, artifacts, token};
            })
        .compose(
            o -> {
              JobStore store = (JobStore) o[0];
              ArtifactStore artifacts = (ArtifactStore) o[1];
              String token = (String) o[2];
              List<String> tokens = token != null ? List.of(token) : config.tokens();
              Metrics metrics = new Metrics();
              JobEvents events = new JobEvents(vertx);
              JobService jobs = new JobService(config, store, artifacts, events, metrics);
              jobs.start();
              ApiRoutes api =
                  new ApiRoutes(vertx, config, store, artifacts, jobs, events, metrics, tokens);
              HookRoutes webhooks = new HookRoutes(vertx, config, jobs, metrics);
              Router router =
                  api.router(
                      r -> {
                        webhooks.install(r);
                        hooks.accept(r);
                      });
              return vertx
                  .createHttpServer(
                      new HttpServerOptions()
                          .setHost(config.host())
                          .setPort(config.port())
                          .setMaxFormAttributeSize(config.maxBodyBytes()))
                  .requestHandler(router)
                  .listen()
                  .map(s -> new Daemon(vertx, ownsVertx, config, store, jobs, s, tokens.get(0)))
                  .onFailure(
                      t -> {
                        jobs.shutdown(0);
                        store.close();
                      });
            });
  }

  /** The port the server listens on (the real one when configured as 0). */
  public int port() {
    return server.actualPort();
  }

  /** A bearer token the API accepts. */
  public String token() {
    return token;
  }

  public DaemonConfig config() {
    return config;
  }

  /**
   * Graceful stop: no new connections or jobs, running jobs get the configured grace period, and
   * whatever is left stays in the store for the next start.
   */
  public Future<Void> close() {
    // Completed before Vert.x itself closes: callbacks on a closed Vert.x would never run.
    io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
    server
        .close()
        .compose(
            v ->
                vertx.executeBlocking(
                    () -> {
                      jobs.shutdown(config.shutdownGraceSeconds());
                      store.close();
                      return (Void) null;
                    }))
        .onComplete(
            ar -> {
              done.handle(ar);
              if (ownsVertx) {
                vertx.close();
              }
            });
    return done.future();
  }

  /** The API token kept in DATA/token (mode 0600), made on first start. */
  static String loadOrCreateToken(Path dataDir) throws IOException {
    Path f = dataDir.resolve("token");
    if (Files.isRegularFile(f)) {
      String t = Files.readString(f, StandardCharsets.UTF_8).trim();
      if (t.length() >= 16) {
        return t;
      }
      // An empty or truncated token file would let anyone in: make a new one.
    }
    byte[] b = new byte[24];
    new SecureRandom().nextBytes(b);
    String t = HexFormat.of().formatHex(b);
    Path tmp = Files.createTempFile(dataDir, ".token-", ".tmp");
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
    Files.writeString(tmp, t + "\n", StandardCharsets.UTF_8);
    Files.move(
        tmp,
        f,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    return t;
  }
}
