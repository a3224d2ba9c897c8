package io.oci2vm.cli;

import io.oci2vm.ProgressListener;
import java.io.PrintWriter;

/** Shows a conversion's {@link io.oci2vm.ProgressEvent}s on stderr in one of the ways users ask. */
interface ProgressRenderer extends ProgressListener {
  /** Shows nothing. */
  ProgressRenderer NONE = event -> {};

  /**
   * Called once the work succeeded, before the summary: draws the final state so that nothing is
   * left half-drawn above it.
   */
  default void finish() {}

  /** The renderer for a mode, {@link ProgressMode#AUTO} decided by the terminal. */
  static ProgressRenderer of(ProgressMode mode, PrintWriter err, Terminal terminal) {
    return switch (mode.on(terminal)) {
      case TTY -> new TtyProgress(err, terminal.columns());
      case PLAIN -> new PlainProgress(err);
      case JSON -> new JsonProgress(err);
      case NONE -> NONE;
      case AUTO -> throw new IllegalStateException("AUTO was resolved above");
    };
  }

  /** The renderer this process's stderr calls for. */
  static ProgressRenderer auto(PrintWriter err) {
    return of(ProgressMode.AUTO, err, Terminal.detect());
  }
}
