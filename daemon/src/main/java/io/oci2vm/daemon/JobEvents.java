package io.oci2vm.daemon;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Progress of jobs as events: published on the event bus (address {@link #address}) for live
 * Server-Sent Events streams, and kept in a short history so a client that connects late sees what
 * happened so far. Called from worker threads.
 */
final class JobEvents {
  static final int HISTORY_PER_JOB = 200;
  static final int JOBS_REMEMBERED = 500;

  private final Vertx vertx;
  private final java.util.concurrent.atomic.AtomicLong seq =
      new java.util.concurrent.atomic.AtomicLong();
  private final Map<String, Deque<JsonObject>> history =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Deque<JsonObject>> e) {
          return size() > JOBS_REMEMBERED;
        }
      };

  JobEvents(Vertx vertx) {
    this.vertx = vertx;
  }

  static String address(String jobId) {
    return "oci2vm.job." + jobId;
  }

  /** Records and publishes an event: {@code {"type":TYPE, ...fields}}. */
  void publish(String jobId, String type, JsonObject fields) {
    JsonObject e = fields.copy().put("type", type).put("time", System.currentTimeMillis());
    synchronized (history) {
      // Numbered under the lock, so history order and numbers agree; a stream that joins late
      // uses the numbers to drop live events it already sent from the history.
      e.put("seq", seq.incrementAndGet());
      Deque<JsonObject> d = history.computeIfAbsent(jobId, k -> new ArrayDeque<>());
      if (d.size() >= HISTORY_PER_JOB) {
        d.removeFirst();
      }
      d.addLast(e);
    }
    vertx.eventBus().publish(address(jobId), e);
  }

  /** The events recorded so far for a job, oldest first. */
  List<JsonObject> history(String jobId) {
    synchronized (history) {
      Deque<JsonObject> d = history.get(jobId);
      return d == null ? List.of() : new ArrayList<>(d);
    }
  }
}
