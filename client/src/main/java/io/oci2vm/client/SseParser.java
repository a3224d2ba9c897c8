package io.oci2vm.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;

/**
 * Server-Sent Events (the WHATWG event-stream format) fed one line at a time, without its line
 * terminator. Fields other than {@code event} and {@code data} and comment lines are ignored.
 */
final class SseParser {
  private String event;
  private final StringBuilder data = new StringBuilder();
  private boolean hasData;

  /** Takes one line; returns the event a blank line completes, else null. */
  JobEvent line(String line) {
    if (line.isEmpty()) {
      return dispatch();
    }
    if (line.startsWith(":")) {
      return null; // a comment: the daemon's keep-alive
    }
    int colon = line.indexOf(':');
    String field = colon < 0 ? line : line.substring(0, colon);
    String value = colon < 0 ? "" : line.substring(colon + 1);
    if (value.startsWith(" ")) {
      value = value.substring(1);
    }
    if (field.equals("event")) {
      event = value;
    } else if (field.equals("data")) {
      if (hasData) {
        data.append('\n');
      }
      data.append(value);
      hasData = true;
    }
    return null;
  }

  private JobEvent dispatch() {
    if (!hasData) {
      event = null;
      return null;
    }
    JsonNode node;
    try {
      node = Json.MAPPER.readTree(data.toString());
    } catch (IOException e) {
      node = null;
    }
    if (node == null || !node.isObject()) {
      node = TextNode.valueOf(data.toString());
    }
    String type = event;
    if (type == null || type.isEmpty()) {
      type = node.path("type").asText("message");
    }
    event = null;
    data.setLength(0);
    hasData = false;
    return new JobEvent(type, node);
  }
}
