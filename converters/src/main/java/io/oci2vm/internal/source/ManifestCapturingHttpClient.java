package io.oci2vm.internal.source;

import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.http.FailoverHttpClient;
import com.google.cloud.tools.jib.http.Request;
import com.google.cloud.tools.jib.http.Response;
import io.oci2vm.ErrorCode;
import io.oci2vm.Oci2vmException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.List;
import java.util.function.Consumer;

/**
 * jib's HTTP client with one change: the body of a manifest GET is read here, bounded, and thrown
 * back as {@link ManifestReceived} instead of going on to jib's parser. jib's manifest templates
 * drop fields oci2vm needs (an index entry's {@code platform.variant}, annotations), and a digest
 * must be taken over the bytes as received, not as jib would write them again. Authentication
 * headers, retries, token refreshes and the HTTP failover stay jib's.
 */
final class ManifestCapturingHttpClient extends FailoverHttpClient {
  private final String manifestPathPrefix;
  private final long maxManifestBytes;

  /**
   * @param insecureAllowed whether plain HTTP and unverified HTTPS may be used
   * @param logger where jib's log events go
   * @param repository the repository whose manifest requests are captured
   * @param maxManifestBytes the largest manifest read; a larger one fails with {@link
   *     ErrorCode#MANIFEST_TOO_LARGE}
   */
  ManifestCapturingHttpClient(
      boolean insecureAllowed,
      Consumer<LogEvent> logger,
      String repository,
      long maxManifestBytes) {
    // Credentials go over plain HTTP only where plain HTTP is allowed at all: loopback and
    // registries the user marked insecure, as Docker does.
    super(insecureAllowed, insecureAllowed, logger);
    this.manifestPathPrefix = "/v2/" + repository + "/manifests/";
    this.maxManifestBytes = maxManifestBytes;
  }

  @Override
  public Response call(String httpMethod, URL url, Request request) throws IOException {
    Response response = super.call(httpMethod, url, request);
    if (!"GET".equals(httpMethod) || !url.getPath().startsWith(manifestPathPrefix)) {
      return response;
    }
    try (response) {
      List<String> contentType = response.getHeader("Content-Type");
      throw new ManifestReceived(
          contentType == null || contentType.isEmpty() ? null : contentType.get(0),
          readBounded(response, url));
    }
  }

  private byte[] readBounded(Response response, URL url) throws IOException {
    long declared = response.getContentLength();
    int cap = (int) Math.min(maxManifestBytes, Integer.MAX_VALUE - 16);
    if (declared > cap) {
      throw tooLarge(url, declared + " bytes");
    }
    try (InputStream body = response.getBody()) {
      byte[] bytes = body == null ? new byte[0] : body.readNBytes(cap + 1);
      if (bytes.length > cap) {
        throw tooLarge(url, "more than " + cap + " bytes");
      }
      return bytes;
    }
  }

  private Oci2vmException tooLarge(URL url, String size) {
    return new Oci2vmException(
        ErrorCode.MANIFEST_TOO_LARGE,
        "manifest at "
            + url
            + " is "
            + size
            + ", over the limit of "
            + maxManifestBytes
            + " bytes; raise the manifest limit only if the image is trusted");
  }

  /**
   * Carries a manifest body out past jib's parser to the caller of {@code pullManifest}; not an
   * error.
   */
  static final class ManifestReceived extends IOException {
    private static final long serialVersionUID = 1L;

    private final String contentType;
    private final transient byte[] bytes;

    ManifestReceived(String contentType, byte[] bytes) {
      super("manifest received (" + bytes.length + " bytes)");
      this.contentType = contentType;
      this.bytes = bytes;
    }

    /** The response's {@code Content-Type}, or null when it sent none. */
    String contentType() {
      return contentType;
    }

    /** The body exactly as received. */
    byte[] bytes() {
      return bytes;
    }
  }
}
