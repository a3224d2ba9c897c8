package io.oci2vm.daemon.hooks;

import java.util.Map;
import java.util.TreeMap;

/** One webhook request as the parsers see it: headers looked up in any case, query, body. */
final class Delivery {
  private final Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
  private final Map<String, String> query;
  private final byte[] body;

  Delivery(Map<String, String> headers, Map<String, String> query, byte[] body) {
    if (headers != null) {
      headers.forEach(
          (k, v) -> {
            if (k != null) {
              this.headers.put(k, v);
            }
          });
    }
    this.query = query == null ? Map.of() : query;
    this.body = body;
  }

  /** The header's value, or null. */
  String header(String name) {
    return headers.get(name);
  }

  /** The query parameter's value, or null. */
  String query(String name) {
    return query.get(name);
  }

  byte[] body() {
    return body;
  }
}
