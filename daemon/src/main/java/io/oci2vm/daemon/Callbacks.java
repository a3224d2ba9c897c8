package io.oci2vm.daemon;

import io.oci2vm.daemon.store.Job;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Announces a finished job to the callback URL its request named: a POST of the job's JSON, three
 * attempts with a growing pause, each bounded by a timeout. Runs on the worker that finished the
 * job.
 */
final class Callbacks {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** Callbacks run here, never on a conversion worker: a slow endpoint must not stall work. */
  private static final java.util.concurrent.ExecutorService SENDERS =
      java.util.concurrent.Executors.newFixedThreadPool(
          2,
          r -> {
            Thread t = new Thread(r, "oci2vm-callback");
            t.setDaemon(true);
            return t;
          });

  private Callbacks() {}

  /** Announces {@code job} in the background, if its request names a callback URL. */
  static void announceLater(Job job) {
    if (job.request().callbackUrl() != null) {
      SENDERS.submit(() -> announce(job));
    }
  }

  static void announce(Job job) {
    String url = job.request().callbackUrl();
    if (url == null) {
      return;
    }
    byte[] body = JobJson.of(job, null).encode().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    for (int attempt = 0; attempt < 3; attempt++) {
      try {
        HttpResponse<Void> r =
            HTTP.send(
                HttpRequest.newBuilder(URI.create(url))
                    .timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/json")
                    .header("User-Agent", "oci2vm")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                    .build(),
                HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() < 500) {
          return;
        }
      } catch (java.io.IOException e) {
        // retried below
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      try {
        Thread.sleep(1000L << attempt);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
