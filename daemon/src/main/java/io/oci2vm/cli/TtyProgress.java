package io.oci2vm.cli;

import io.oci2vm.ProgressEvent;
import io.oci2vm.ProgressEvent.Phase;
import java.io.PrintWriter;
import java.util.function.LongSupplier;

/**
 * Progress on a terminal, as {@code docker pull} shows it: steps as lines, and below them one line
 * per layer, redrawn in place with ANSI cursor movement at most ten times a second:
 *
 * <pre>
 * 6349b01b8af2: Downloading [=========&gt;         ]  12.3MiB/40.1MiB  5.2MiB/s
 * </pre>
 *
 * Layer lines are cut to the terminal's width so that none wraps, which would break the count of
 * lines to move up by. A step that comes while layers are still running goes above their lines;
 * once every layer is complete, the next step goes below them, and they are not redrawn again.
 */
final class TtyProgress implements ProgressRenderer {
  static final String ESC = "\033[";
  private static final long REDRAW_NANOS = 100_000_000L;
  private static final int MAX_BAR = 50;
  private static final int ID_AND_STATUS = 12 + 2 + 11 + 1;

  private final PrintWriter err;
  private final int columns;
  private final LongSupplier clock;
  private final LayerRows layers = new LayerRows();
  private int drawn;
  private long lastDraw = Long.MIN_VALUE;

  TtyProgress(PrintWriter err, int columns) {
    this(err, columns, System::nanoTime);
  }

  TtyProgress(PrintWriter err, int columns, LongSupplier clock) {
    this.err = err;
    this.columns = columns;
    this.clock = clock;
  }

  @Override
  public synchronized void onEvent(ProgressEvent event) {
    long now = clock.getAsLong();
    if (event instanceof ProgressEvent.Step s) {
      StringBuilder b = new StringBuilder();
      moveToTop(b);
      if (layers.allComplete()) {
        // The layers are history now: leave them drawn for good and go on below them.
        drawRows(b, now);
        layers.clear();
        drawn = 0;
        b.append(s.message()).append('\n');
      } else {
        b.append(ESC).append("2K").append(s.message()).append('\n');
        drawRows(b, now);
      }
      write(b, now);
    } else if (event instanceof ProgressEvent.LayerProgress p) {
      LayerRows.Change c = layers.update(p, now);
      if (c.newPhase() || now - lastDraw >= REDRAW_NANOS) {
        StringBuilder b = new StringBuilder();
        moveToTop(b);
        drawRows(b, now);
        write(b, now);
      }
    }
  }

  @Override
  public synchronized void finish() {
    long now = clock.getAsLong();
    StringBuilder b = new StringBuilder();
    moveToTop(b);
    drawRows(b, now);
    layers.clear();
    drawn = 0;
    write(b, now);
  }

  private void moveToTop(StringBuilder b) {
    if (drawn > 0) {
      b.append(ESC).append(drawn).append('A');
    }
    b.append('\r');
  }

  private void drawRows(StringBuilder b, long now) {
    for (LayerRows.Row r : layers.rows()) {
      b.append(ESC).append("2K").append(line(r, now)).append('\n');
    }
    // Anything below (a longer earlier drawing) goes.
    b.append(ESC).append('J');
    drawn = layers.rows().size();
  }

  private void write(StringBuilder b, long now) {
    err.print(b);
    err.flush();
    lastDraw = now;
  }

  /** A layer's line, never longer than the terminal is wide less one column. */
  String line(LayerRows.Row r, long now) {
    String status;
    String bar = "";
    String sizes = "";
    String speed = "";
    switch (r.phase) {
      case CACHED -> status = "Already cached";
      case DONE -> status = "Pull complete";
      default -> {
        if (r.downloaded()) {
          status = "Download complete";
        } else {
          status = r.phase == Phase.DOWNLOADING ? "Downloading" : "Extracting";
          sizes = r.total >= 0 ? size(r.done) + "/" + size(r.total) : size(r.done);
          long rate = r.bytesPerSecond(now);
          speed = rate >= 0 ? size(rate) + "/s" : "";
          int room = columns - 1 - ID_AND_STATUS - 2 - sizes.length() - 2 - speed.length() - 2;
          if (r.total > 0 && room >= 10) {
            bar = bar(r.done, r.total, Math.min(MAX_BAR, room));
          }
        }
      }
    }
    StringBuilder s = new StringBuilder(r.id).append(": ").append(status);
    if (!sizes.isEmpty()) {
      s.append(" ".repeat(Math.max(1, ID_AND_STATUS - s.length())));
      s.append(bar.isEmpty() ? "" : bar + "  ").append(sizes);
      if (!speed.isEmpty()) {
        s.append("  ").append(speed);
      }
    }
    return s.length() < columns ? s.toString() : s.substring(0, columns - 1);
  }

  /** {@code [=====> ]} with {@code inner} characters between the brackets. */
  static String bar(long done, long total, int inner) {
    int filled = (int) Math.min(inner, done * inner / Math.max(1, total));
    StringBuilder b = new StringBuilder("[");
    b.append("=".repeat(Math.max(0, filled - 1)));
    if (filled > 0) {
      b.append(filled == inner ? '=' : '>');
    }
    b.append(" ".repeat(inner - filled)).append(']');
    return b.toString();
  }

  /** A size without the space, as docker prints them: {@code 12.3MiB}. */
  static String size(long bytes) {
    return Format.bytes(bytes).replace(" ", "");
  }
}
