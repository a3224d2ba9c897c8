package io.oci2vm.client;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;

/**
 * Sends requests with the bearer token and retries them: on 429 and 503 (waiting what Retry-After
 * says, when it says) and on I/O errors, with exponential backoff. Other answers go to the caller's
 * reader, which maps failures to exceptions with {@link #fail}.
 */
final class Transport {
  /** Reads an answer; an {@link IOException} while reading counts as a failed attempt. */
  @FunctionalInterface
  interface Reader<T> {
    T read(HttpResponse<InputStream> response, int attempt) throws IOException;
  }

  private final HttpClient http;
  private final String base;
  private final String token;
  private final int maxAttempts;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final Duration requestTimeout;

  Transport(
      HttpClient http,
      URI base,
      String token,
      int maxAttempts,
      Duration initialBackoff,
      Duration maxBackoff,
      Duration requestTimeout) {
    this.http = http;
    String b = base.toString();
    this.base = b.endsWith("/") ? b.substring(0, b.length() - 1) : b;
    this.token = token;
    this.maxAttempts = maxAttempts;
    this.initialBackoff = initialBackoff;
    this.maxBackoff = maxBackoff;
    this.requestTimeout = requestTimeout;
  }

  /** A request for {@code path} (starting with /) with the token and the request timeout. */
  HttpRequest.Builder request(String path) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(requestTimeout);
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return b;
  }

  /** One path segment, percent-encoded. */
  static String segment(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** A relative path ("bundle/vmlinuz"): each segment encoded, the slashes kept. */
  static String path(String s) {
    StringBuilder b = new StringBuilder();
    for (String part : s.split("/", -1)) {
      if (b.length() > 0 || s.startsWith("/")) {
        b.append('/');
      }
      b.append(segment(part));
    }
    return b.toString();
  }

  /**
   * Sends {@code request} (built afresh for every attempt) until an answer other than 429 or 503
   * arrives, or the attempts run out; then hands it to {@code reader}.
   */
  <T> T exchange(String what, Supplier<HttpRequest> request, Reader<T> reader) {
    IOException last = null;
    for (int attempt = 1; ; attempt++) {
      Duration retryAfter = null;
      try {
        HttpResponse<InputStream> r =
            http.send(request.get(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = r.body()) {
          int s = r.statusCode();
          if ((s == 429 || s == 503) && attempt < maxAttempts) {
            retryAfter =
                Backoff.retryAfter(
                    r.headers().firstValue("Retry-After").orElse(null), Instant.now());
            if (retryAfter == null) {
              retryAfter = Backoff.delay(initialBackoff, maxBackoff, attempt, null);
            }
          } else {
            return reader.read(r, attempt);
          }
        }
      } catch (IOException e) {
        last = e;
        if (attempt >= maxAttempts) {
          throw new Oci2vmConnectionException(
              what + ": " + describe(e) + attempts(attempt), attempt, e);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new Oci2vmConnectionException(what + ": interrupted", attempt, e);
      }
      sleep(what, Backoff.delay(initialBackoff, maxBackoff, attempt, retryAfter), attempt, last);
    }
  }

  /** Throws the exception for a non-2xx answer; returns quietly for a 2xx one. */
  static void ensureOk(String what, HttpResponse<InputStream> r, int attempt) throws IOException {
    int s = r.statusCode();
    if (s < 200 || s > 299) {
      throw fail(what, s, r.body().readNBytes(64 * 1024), attempt);
    }
  }

  /** The exception for an answer with {@code status} and error {@code body}. */
  static Oci2vmClientException fail(String what, int status, byte[] body, int attempt) {
    ErrorInfo e = Json.error(body);
    String code = e == null ? null : e.code();
    String message =
        what
            + ": HTTP "
            + status
            + (code == null ? "" : " " + code)
            + (e == null || e.message() == null ? "" : ": " + e.message())
            + attempts(attempt);
    if (status >= 400 && status < 500) {
      return new Oci2vmClientErrorException(message, status, code, attempt);
    }
    if (status >= 500 && status < 600) {
      return new Oci2vmServerErrorException(message, status, code, attempt);
    }
    return new Oci2vmClientException(message, status, code, attempt, null);
  }

  int maxAttempts() {
    return maxAttempts;
  }

  Duration delay(int attempt) {
    return Backoff.delay(initialBackoff, maxBackoff, attempt, null);
  }

  static void sleep(String what, Duration d, int attempt, Throwable last) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      Oci2vmConnectionException x =
          new Oci2vmConnectionException(what + ": interrupted while waiting to retry", attempt, e);
      if (last != null) {
        x.addSuppressed(last);
      }
      throw x;
    }
  }

  private static String attempts(int attempt) {
    return attempt > 1 ? " (after " + attempt + " attempts)" : "";
  }

  private static String describe(IOException e) {
    String m = e.getMessage();
    return e.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : " " + m);
  }
}
