package io.oci2vm.internal.source;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLException;

/**
 * One quick HTTPS request to a registry that must speak verified HTTPS, before jib's client is
 * used. jib retries every I/O error with exponential backoff when HTTP failover is off (jib issue
 * 3422), so a plain-HTTP server, an untrusted certificate, an unknown host or a closed port would
 * take about a minute to report; these are not going to heal, so they are reported at once. Any
 * other outcome, an HTTP error or a timeout included, is left to jib.
 */
final class RegistryPreflight {
  private static final System.Logger LOG = System.getLogger(RegistryPreflight.class.getName());

  /** How long the probe waits to connect and for an answer; jib's own default timeout. */
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(20);

  private final URI uri;
  private final String userAgent;
  private final String registry;
  private final RegistryErrors errors;
  private final AtomicBoolean done = new AtomicBoolean();

  RegistryPreflight(String apiHost, String registry, String userAgent, RegistryErrors errors) {
    this.uri = URI.create("https://" + apiHost + "/v2/");
    this.registry = registry;
    this.userAgent = userAgent;
    this.errors = errors;
  }

  /**
   * Probes the registry on the first call; later calls, and calls while the first is under way,
   * return at once.
   *
   * @throws io.oci2vm.Oci2vmException if the registry cannot be reached over verified HTTPS
   * @throws InterruptedIOException if interrupted while probing
   */
  void checkOnce() throws IOException {
    if (!done.compareAndSet(false, true)) {
      return;
    }
    HttpClient.Builder builder =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(PROBE_TIMEOUT);
    ProxySelector proxies = ProxySelector.getDefault();
    if (proxies != null) {
      builder.proxy(proxies);
    }
    HttpRequest request =
        HttpRequest.newBuilder(uri)
            .timeout(PROBE_TIMEOUT)
            .header("User-Agent", userAgent)
            .GET()
            .build();
    try {
      builder.build().send(request, HttpResponse.BodyHandlers.discarding());
    } catch (HttpTimeoutException e) {
      LOG.log(System.Logger.Level.DEBUG, "probe of {0} timed out; leaving it to jib", uri);
    } catch (IOException e) {
      if (RegistryErrors.cause(e, SSLException.class) != null
          || RegistryErrors.isUnresolved(e)
          || RegistryErrors.cause(e, ConnectException.class) != null) {
        throw errors.translate("reach " + registry, e);
      }
      LOG.log(System.Logger.Level.DEBUG, "probe of {0} failed ({1}); leaving it to jib", uri, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while connecting to " + uri);
    }
  }
}
