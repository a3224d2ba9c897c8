package io.oci2vm.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.oci2vm.BootMode;
import io.oci2vm.Digest;
import io.oci2vm.Vm;
import io.oci2vm.fixtures.Fixtures;
import io.oci2vm.fixtures.NotificationEndpoint;
import io.oci2vm.fixtures.RegistryLauncher;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole loop with real parts: Debian's docker-registry, configured to notify the daemon, gets
 * an image pushed with skopeo; the registry's own webhook makes the daemon convert it; the disk is
 * downloaded over the API and booted in QEMU.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class DaemonWebhookIT {
  static final String TOKEN = "api-token-0123456789abcdef";
  static final String HOOK_TOKEN = "hook-token-0123456789abcdef";

  @TempDir Path tmp;

  @Test
  void registryPush_triggersConversion_artifactDownloadsAndBoots() throws Exception {
    JsonObject hooks =
        new JsonObject()
            .put("secrets", new JsonObject().put("distribution", HOOK_TOKEN))
            .put(
                "rules",
                new JsonArray()
                    .add(
                        new JsonObject()
                            .put("source", "distribution")
                            .put("repository", "apps/**")
                            .put("tag", "v*")
                            .put("pinDigest", true)
                            .put(
                                "request",
                                new JsonObject()
                                    .put("formats", new JsonArray().add("qcow2"))
                                    .put("boot", "bios"))));
    DaemonConfig config =
        DaemonConfig.fromJson(new JsonObject().put("hooks", hooks))
            .host("127.0.0.1")
            .port(0)
            .dataDir(tmp.resolve("data"))
            .cacheDir(tmp.resolve("cache"))
            .tokens(List.of(TOKEN));
    Daemon daemon =
        Daemon.start(config).toCompletionStage().toCompletableFuture().get(1, TimeUnit.MINUTES);
    try (RegistryLauncher registry =
        RegistryLauncher.builder()
            .notifications(
                new NotificationEndpoint(
                    "oci2vm",
                    URI.create("http://127.0.0.1:" + daemon.port() + "/v1/hooks/distribution"),
                    Map.of("Authorization", List.of("Bearer " + HOOK_TOKEN)),
                    Duration.ofSeconds(5),
                    3,
                    Duration.ofSeconds(1)))
            .start()) {
      registry.push(Fixtures.multiLayer(), "apps/hello:v1");
      registry.push(Fixtures.multiLayer(), "other/skipped:v1"); // no rule matches

      HttpClient http = HttpClient.newHttpClient();
      JsonObject job = null;
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
      while (System.nanoTime() < deadline) {
        JsonObject page =
            new JsonObject(
                http.send(
                        get(daemon, "/v1/conversions?trigger=hook:distribution"),
                        HttpResponse.BodyHandlers.ofString())
                    .body());
        JsonArray items = page.getJsonArray("items");
        if (!items.isEmpty()
            && List.of("SUCCEEDED", "FAILED").contains(items.getJsonObject(0).getString("state"))) {
          assertEquals(1, items.size(), "one push, one conversion: " + items.encodePrettily());
          job = items.getJsonObject(0);
          break;
        }
        Thread.sleep(500);
      }
      assertTrue(job != null, "the registry's webhook started a conversion\n" + registry.log());
      assertEquals("SUCCEEDED", job.getString("state"), job.encodePrettily());
      assertTrue(
          job.getJsonObject("request")
              .getString("image")
              .startsWith(registry.address() + "/apps/hello@sha256:"),
          "pinned to the pushed digest: " + job.encodePrettily());

      JsonObject qcow2 =
          job.getJsonArray("artifacts").stream()
              .map(o -> (JsonObject) o)
              .filter(a -> a.getString("format").equals("qcow2"))
              .findFirst()
              .orElseThrow();
      Path disk = tmp.resolve("hello.qcow2");
      HttpResponse<Path> dl =
          http.send(
              HttpRequest.newBuilder(URI.create(qcow2.getString("url")))
                  .header("Authorization", "Bearer " + TOKEN)
                  .build(),
              HttpResponse.BodyHandlers.ofFile(disk));
      assertEquals(200, dl.statusCode());
      assertEquals(qcow2.getString("sha256"), Digest.ofFile(disk).toString());

      ByteArrayOutputStream console = new ByteArrayOutputStream();
      try (Vm vm =
          Vm.disk(disk).firmware(BootMode.BIOS).cacheDir(tmp.resolve("cache")).start(console)) {
        int status = vm.waitForExit(Duration.ofMinutes(4));
        String out = console.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, out);
        assertTrue(out.contains("oci2vm multiLayer app: argc="), out);
      }
    } finally {
      daemon.close().toCompletionStage().toCompletableFuture().get(1, TimeUnit.MINUTES);
    }
    assertTrue(Files.isDirectory(tmp.resolve("data/artifacts")));
  }

  static HttpRequest get(Daemon d, String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + d.port() + path))
        .header("Authorization", "Bearer " + TOKEN)
        .build();
  }
}
