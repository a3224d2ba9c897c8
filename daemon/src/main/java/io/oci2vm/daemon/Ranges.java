package io.oci2vm.daemon;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.nio.file.Path;

/** Sends a file whole or one byte range of it (RFC 9110), with its digest and ETag. */
final class Ranges {
  private Ranges() {}

  static void send(RoutingContext c, Path file, long size, String sha256) {
    HttpServerResponse r = c.response();
    r.putHeader("Accept-Ranges", "bytes")
        .putHeader("ETag", "\"" + sha256 + "\"")
        .putHeader("Digest", ApiRoutes.digestHeader(sha256))
        .putHeader("Content-Type", "application/octet-stream");
    String range = c.request().getHeader("Range");
    String ifRange = c.request().getHeader("If-Range");
    long[] se = range == null ? IGNORE : parse(range, size);
    if (se == IGNORE || (ifRange != null && !ifRange.equals("\"" + sha256 + "\""))) {
      r.putHeader("Content-Length", Long.toString(size));
      if (c.request().method().name().equals("HEAD")) {
        r.setStatusCode(200).end();
      } else {
        r.setStatusCode(200).sendFile(file.toString());
      }
      return;
    }
    if (se == null) {
      r.putHeader("Content-Range", "bytes */" + size);
      ApiRoutes.error(
          c, new ApiException(416, "RANGE_NOT_SATISFIABLE", "bad or unsatisfiable range " + range));
      return;
    }
    long len = se[1] - se[0] + 1;
    r.setStatusCode(206)
        .putHeader("Content-Range", "bytes " + se[0] + "-" + se[1] + "/" + size)
        .putHeader("Content-Length", Long.toString(len));
    if (c.request().method().name().equals("HEAD")) {
      r.end();
    } else {
      r.sendFile(file.toString(), se[0], len);
    }
  }

  /** What {@link #parse} returns for a Range header to ignore (the whole file is sent). */
  static final long[] IGNORE = new long[0];

  /**
   * One range "bytes=A-B", "bytes=A-" or "bytes=-N" as {first, last}; null if it cannot be
   * satisfied (416); {@link #IGNORE} for a header that is malformed or asks for several ranges,
   * which RFC 9110 lets a server answer with the whole file.
   */
  static long[] parse(String header, long size) {
    if (!header.startsWith("bytes=") || header.contains(",")) {
      return IGNORE;
    }
    String spec = header.substring(6).trim();
    int dash = spec.indexOf('-');
    if (dash < 0) {
      return IGNORE;
    }
    if (size == 0) {
      return null;
    }
    try {
      String a = spec.substring(0, dash).trim();
      String b = spec.substring(dash + 1).trim();
      long first;
      long last;
      if (a.isEmpty()) {
        long n = Long.parseLong(b);
        if (n <= 0) {
          return null;
        }
        first = Math.max(0, size - n);
        last = size - 1;
      } else {
        first = Long.parseLong(a);
        last = b.isEmpty() ? size - 1 : Math.min(Long.parseLong(b), size - 1);
      }
      return first < 0 || first > last || first >= size ? null : new long[] {first, last};
    } catch (NumberFormatException e) {
      return IGNORE;
    }
  }
}
