package io.oci2vm.client;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** A job's Server-Sent Events stream, read on the calling thread until its end event. */
final class EventStream {
  private final Transport transport;
  private final ScheduledExecutorService timers;
  private final String path;

  EventStream(Transport transport, ScheduledExecutorService timers, String path) {
    this.transport = transport;
    this.timers = timers;
    this.path = path;
  }

  /**
   * Hands every event to {@code onEvent}; true if the stream ended with an end event, false if it
   * closed before or the deadline ({@link System#nanoTime()}; 0 for none) passed.
   */
  boolean read(Consumer<JobEvent> onEvent, long deadline) {
    String what = "GET " + path;
    return transport.exchange(
        what,
        () -> transport.request(path).header("Accept", "text/event-stream").GET().build(),
        (r, attempt) -> {
          Transport.ensureOk(what, r, attempt);
          InputStream body = r.body();
          ScheduledFuture<?> stop = null;
          if (deadline != 0) {
            // The request timeout covers the headers only: closing the body is what stops a read
            // blocked on a quiet stream.
            stop =
                timers.schedule(
                    () -> quietlyClose(body), deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
          }
          SseParser parser = new SseParser();
          try (BufferedReader in =
              new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
              JobEvent e = parser.line(line);
              if (e != null) {
                onEvent.accept(e);
                if (e.isEnd()) {
                  return true;
                }
              }
              if (deadline != 0 && System.nanoTime() - deadline >= 0) {
                return false;
              }
            }
            return false;
          } catch (IOException e) {
            if (deadline != 0 && System.nanoTime() - deadline >= 0) {
              return false; // closed by the timer
            }
            // Not retried: a new stream would replay the history to onEvent.
            throw new Oci2vmConnectionException(what + ": the stream broke: " + e, attempt, e);
          } finally {
            if (stop != null) {
              stop.cancel(false);
            }
          }
        });
  }

  private static void quietlyClose(InputStream in) {
    try {
      in.close();
    } catch (IOException e) {
      // closing only to unblock the reader
    }
  }
}
