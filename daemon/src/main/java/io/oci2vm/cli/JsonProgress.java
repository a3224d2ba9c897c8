package io.oci2vm.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.oci2vm.Digest;
import io.oci2vm.ProgressEvent;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Progress as JSON lines, with the fields the daemon's event stream uses:
 *
 * <pre>
 * {"event":"step","stage":"resolve","message":"resolving ..."}
 * {"event":"layer","layer":"sha256:...","phase":"DOWNLOADING","done":65536,"total":42045440}
 * </pre>
 *
 * Every phase's first and last event is written; byte counts in between at most ten times a second,
 * since a download reports every buffer it writes.
 */
final class JsonProgress implements ProgressRenderer {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long UPDATE_NANOS = 100_000_000L;

  private final PrintWriter err;
  private final LongSupplier clock;
  private final Map<Digest, ProgressEvent.Phase> phases = new HashMap<>();
  private long lastUpdate = Long.MIN_VALUE;

  JsonProgress(PrintWriter err) {
    this(err, System::nanoTime);
  }

  JsonProgress(PrintWriter err, LongSupplier clock) {
    this.err = err;
    this.clock = clock;
  }

  @Override
  public synchronized void onEvent(ProgressEvent event) {
    Map<String, Object> m = new LinkedHashMap<>();
    if (event instanceof ProgressEvent.Step s) {
      m.put("event", "step");
      m.put("stage", s.stage());
      m.put("message", s.message());
    } else if (event instanceof ProgressEvent.LayerProgress p) {
      long now = clock.getAsLong();
      boolean newPhase = phases.put(p.layer(), p.phase()) != p.phase();
      boolean last = p.total() >= 0 && p.done() >= p.total();
      if (!newPhase && !last && now - lastUpdate < UPDATE_NANOS) {
        return;
      }
      lastUpdate = now;
      m.put("event", "layer");
      m.put("layer", p.layer().toString());
      m.put("phase", p.phase().name());
      m.put("done", p.done());
      m.put("total", p.total());
    } else {
      return;
    }
    err.println(line(m));
    err.flush();
  }

  /** One object as a single line of JSON. */
  static String line(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
