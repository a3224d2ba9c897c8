package io.oci2vm.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bounded load test on loopback: 16 clients fire 400 submissions (40 distinct requests, so the
 * daemon dedupes most of them onto active jobs; the images do not exist, so each job fails fast
 * after a real resolve attempt) and then 4000 status and list reads. Prints throughput, latency
 * percentiles and memory; asserts that every request was answered correctly and that the heap after
 * a full GC stays bounded.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class DaemonLoadIT {
  static final String TOKEN = "load-token-0123456789abcdef";
  static final int CLIENTS = 16;
  static final int SUBMISSIONS = 400;
  static final int DISTINCT = 40;
  static final int READS = 4000;

  @TempDir Path tmp;

  @Test
  void hundredsOfSubmissionsAndReads_allAnswered_memoryBounded() throws Exception {
    DaemonConfig c =
        new DaemonConfig()
            .host("127.0.0.1")
            .port(0)
            .dataDir(tmp.resolve("data"))
            .cacheDir(tmp.resolve("cache"))
            .workers(1)
            .queueCapacity(1000)
            .tokens(List.of(TOKEN));
    Daemon d = Daemon.start(c).toCompletionStage().toCompletableFuture().get(1, TimeUnit.MINUTES);
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
    try {
      long heapBefore = heapAfterGc();
      List<String> ids = Collections.synchronizedList(new ArrayList<>());
      AtomicInteger bad = new AtomicInteger();
      Phase submit =
          run(
              pool,
              SUBMISSIONS,
              i -> {
                String body =
                    new JsonObject()
                        .put("image", "oci:" + tmp.resolve("missing-" + (i % DISTINCT)) + ":latest")
                        .put("formats", List.of("raw"))
                        .encode();
                HttpResponse<String> r =
                    http.send(
                        req(d, "/v1/conversions")
                            .POST(HttpRequest.BodyPublishers.ofString(body))
                            .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 202 && r.statusCode() != 200) {
                  bad.incrementAndGet();
                } else {
                  ids.add(new JsonObject(r.body()).getString("id"));
                }
              });
      Phase read =
          run(
              pool,
              READS,
              i -> {
                String path =
                    i % 10 == 0
                        ? "/v1/conversions?limit=20"
                        : "/v1/conversions/" + ids.get(i % ids.size());
                HttpResponse<String> r =
                    http.send(req(d, path).GET().build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200) {
                  bad.incrementAndGet();
                }
              });
      long heapAfter = heapAfterGc();
      long distinctJobs = ids.stream().distinct().count();
      System.out.printf(
          "%n| phase | requests | clients | seconds | req/s | p50 ms | p90 ms | p99 ms | max ms |%n"
              + "|---|---|---|---|---|---|---|---|---|%n%s%s",
          submit.row("submit"), read.row("status/list"));
      System.out.printf(
          "jobs created: %d for %d submissions (the rest shared an active identical job);"
              + " heap after full GC: %d MiB before, %d MiB after; process RSS %d MiB%n",
          distinctJobs, SUBMISSIONS, heapBefore >> 20, heapAfter >> 20, rssKib() >> 10);
      assertEquals(0, bad.get(), "every request answered 200/202");
      assertEquals(SUBMISSIONS, ids.size());
      assertTrue(
          distinctJobs >= DISTINCT && distinctJobs <= SUBMISSIONS, "dedupe: " + distinctJobs);
      assertTrue(
          heapAfter < heapBefore + (128L << 20),
          "heap grew by " + ((heapAfter - heapBefore) >> 20) + " MiB");
    } finally {
      pool.shutdownNow();
      d.close().toCompletionStage().toCompletableFuture().get(1, TimeUnit.MINUTES);
    }
  }

  interface Call {
    void run(int i) throws Exception;
  }

  record Phase(int n, double seconds, long[] nanos) {
    String row(String name) {
      long[] s = nanos.clone();
      java.util.Arrays.sort(s);
      return String.format(
          "| %s | %d | %d | %.2f | %.0f | %.1f | %.1f | %.1f | %.1f |%n",
          name,
          n,
          CLIENTS,
          seconds,
          n / seconds,
          ms(s, 0.50),
          ms(s, 0.90),
          ms(s, 0.99),
          s[s.length - 1] / 1e6);
    }

    static double ms(long[] sorted, double q) {
      return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)] / 1e6;
    }
  }

  static Phase run(ExecutorService pool, int n, Call call) throws Exception {
    long[] nanos = new long[n];
    List<Future<?>> fs = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      int k = i;
      fs.add(
          pool.submit(
              () -> {
                long s = System.nanoTime();
                call.run(k);
                nanos[k] = System.nanoTime() - s;
                return null;
              }));
    }
    for (Future<?> f : fs) {
      f.get(2, TimeUnit.MINUTES);
    }
    return new Phase(n, (System.nanoTime() - t0) / 1e9, nanos);
  }

  static HttpRequest.Builder req(Daemon d, String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + d.port() + path))
        .header("Authorization", "Bearer " + TOKEN)
        .timeout(Duration.ofSeconds(60));
  }

  static long heapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  static long rssKib() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", ""));
      }
    }
    return -1;
  }
}
