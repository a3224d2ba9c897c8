package io.oci2vm.cli;

import io.oci2vm.ProgressEvent;
import io.oci2vm.ProgressListener;
import java.io.PrintWriter;

/**
 * Prints progress on stderr: one line per step and per finished layer; on a terminal, the running
 * layer's byte count is redrawn in place.
 */
final class ProgressPrinter implements ProgressListener {
  private final PrintWriter err;
  private final boolean terminal;
  private final boolean quiet;
  private long lastDraw;
  private boolean midLine;

  ProgressPrinter(PrintWriter err, boolean quiet) {
    this.err = err;
    this.quiet = quiet;
    this.terminal = System.console() != null && System.getenv("TERM") != null;
  }

  @Override
  public void onEvent(ProgressEvent event) {
    if (quiet) {
      return;
    }
    if (event instanceof ProgressEvent.Step s) {
      endLine();
      err.println(s.message());
    } else if (event instanceof ProgressEvent.LayerProgress p) {
      String id = p.layer().shortHex();
      switch (p.phase()) {
        case CACHED -> line(id + ": cached (" + Format.bytes(p.done()) + ")");
        case DONE -> line(id + ": unpacked (" + Format.bytes(p.done()) + ")");
        default -> {
          long now = System.nanoTime();
          if (terminal && now - lastDraw > 100_000_000L) {
            lastDraw = now;
            String verb =
                p.phase() == ProgressEvent.Phase.DOWNLOADING ? "downloading" : "unpacking";
            String total = p.total() >= 0 ? " / " + Format.bytes(p.total()) : "";
            err.print("\r\033[K" + id + ": " + verb + " " + Format.bytes(p.done()) + total);
            err.flush();
            midLine = true;
          }
        }
      }
    }
  }

  private void line(String s) {
    endLine();
    err.println(s);
  }

  private void endLine() {
    if (midLine) {
      err.print("\r\033[K");
      midLine = false;
    }
  }
}
