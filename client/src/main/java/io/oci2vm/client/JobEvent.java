package io.oci2vm.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.time.Instant;
import java.util.Objects;

/**
 * One progress event of a job, from the daemon's Server-Sent Events stream. The types are {@code
 * state} (a new {@link #state()}), {@code step} (a {@link #stage()} with a {@link #message()}),
 * {@code layer} ({@link #layer()} digest, {@link #phase()}, {@link #done()} of {@link #total()}
 * bytes) and {@code end} (the last one, with the final {@link #state()}).
 *
 * @param type the event type
 * @param data the event's JSON object, including fields newer daemons may add
 */
public record JobEvent(String type, JsonNode data) {
  /** Checks the type and makes a missing body an empty object. */
  public JobEvent {
    Objects.requireNonNull(type, "type was not specified");
    data = data == null ? JsonNodeFactory.instance.objectNode() : data;
  }

  /** Whether this is the stream's last event. */
  public boolean isEnd() {
    return "end".equals(type);
  }

  /** For state and end events, the job's state name (e.g. RUNNING); else null. */
  public String state() {
    return text("state");
  }

  /** For step events, the conversion stage (e.g. pull, flatten, disk); else null. */
  public String stage() {
    return text("stage");
  }

  /** For step events, a human-readable message; else null. */
  public String message() {
    return text("message");
  }

  /** For layer events, the layer's digest; else null. */
  public String layer() {
    return text("layer");
  }

  /** For layer events, DOWNLOADING, EXTRACTING, CACHED ...; else null. */
  public String phase() {
    return text("phase");
  }

  /** For layer events, the bytes done so far; else 0. */
  public long done() {
    return data.path("done").asLong(0);
  }

  /** For layer events, the layer's size in bytes; else 0. */
  public long total() {
    return data.path("total").asLong(0);
  }

  /** When the daemon recorded the event, or null if it did not say. */
  public Instant time() {
    JsonNode t = data.get("time");
    return t != null && t.canConvertToLong() ? Instant.ofEpochMilli(t.asLong()) : null;
  }

  private String text(String field) {
    JsonNode n = data.get(field);
    return n == null || n.isNull() ? null : n.asText();
  }
}
