package io.oci2vm.cli;

import io.oci2vm.daemon.Daemon;
import io.oci2vm.daemon.DaemonConfig;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code oci2vm serve}: the conversion daemon, until SIGTERM or Ctrl-C. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the conversion daemon: an HTTP API under /v1 (OpenAPI at /v1/openapi.json),",
      "registry webhooks at /v1/hooks/SOURCE, /healthz, /readyz and /metrics. Jobs are kept",
      "in DATA/jobs (H2) and survive restarts; artifacts in DATA/artifacts. Without tokens in",
      "the config, a token is made once and kept in DATA/token. SIGTERM stops it gracefully."
    })
final class ServeCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = {"-c", "--config"},
      paramLabel = "FILE",
      description =
          "A JSON config file (see the README); environment variables OCI2VM_* override it.")
  Path configFile;

  @Option(
      names = "--listen",
      paramLabel = "HOST:PORT",
      description = "Where to listen (default 127.0.0.1:8780).")
  String listen;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description = "Jobs, artifacts and the token (default ~/.local/share/oci2vm).")
  Path dataDir;

  @Override
  public Integer call() throws Exception {
    DaemonConfig config;
    try {
      JsonObject json =
          configFile == null ? new JsonObject() : new JsonObject(Files.readString(configFile));
      config = DaemonConfig.fromJson(json).withEnvironment(System.getenv());
      if (listen != null) {
        config.withEnvironment(java.util.Map.of("OCI2VM_LISTEN", listen));
      }
    } catch (java.io.IOException | RuntimeException e) {
      throw new io.oci2vm.Oci2vmException(
          io.oci2vm.ErrorCode.BAD_OPTION,
          "bad daemon configuration"
              + (configFile == null ? "" : " in " + configFile)
              + ": "
              + e.getMessage());
    }
    if (dataDir != null) {
      config.dataDir(dataDir);
    }
    PrintWriter err = spec.commandLine().getErr();
    // Netty would find the SLF4J API (a jib dependency) without a binding and print a warning.
    io.netty.util.internal.logging.InternalLoggerFactory.setDefaultFactory(
        io.netty.util.internal.logging.JdkLoggerFactory.INSTANCE);
    Daemon daemon =
        Daemon.start(config).toCompletionStage().toCompletableFuture().get(2, TimeUnit.MINUTES);
    err.printf(
        "oci2vm: serving on http://%s:%d (API token: %s)%n",
        config.host().contains(":") ? "[" + config.host() + "]" : config.host(),
        daemon.port(),
        config.tokens().isEmpty() ? config.dataDir().resolve("token") : "from the config");
    err.flush();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  err.printf(
                      "oci2vm: stopping (running jobs get up to %d s)%n",
                      config.shutdownGraceSeconds());
                  err.flush();
                  try {
                    daemon.close().toCompletionStage().toCompletableFuture().get();
                    err.println("oci2vm: stopped");
                    err.flush();
                  } catch (Exception ignored) {
                    // exiting anyway; the store recovers what was running at the next start
                  }
                  stopped.countDown();
                }));
    stopped.await();
    return 0;
  }
}
