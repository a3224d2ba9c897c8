package io.oci2vm;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Asks a server booting in a VM for its front page until it answers 200, within a bound. */
final class HttpProbe {
  private HttpProbe() {}

  /** A loopback port that was free a moment ago, for a QEMU port forward. */
  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** The body of the first 200 answer from 127.0.0.1:{@code port}/, or null after {@code wait}. */
  static String firstOk(int port, Duration wait) throws InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + wait.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        HttpResponse<String> resp =
            http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (resp.statusCode() == 200) {
          return resp.body();
        }
      } catch (IOException e) {
        Thread.sleep(300);
      }
    }
    return null;
  }
}
