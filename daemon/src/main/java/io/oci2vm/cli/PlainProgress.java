package io.oci2vm.cli;

import io.oci2vm.ProgressEvent;
import java.io.PrintWriter;

/**
 * Progress for logs, pipes and CI: one line per step and one per layer phase change, never a
 * carriage return or an escape sequence.
 *
 * <pre>
 * 6349b01b8af2: downloading 40.1 MiB
 * 6349b01b8af2: extracting
 * 6349b01b8af2: unpacked 112 MiB
 * </pre>
 */
final class PlainProgress implements ProgressRenderer {
  private final PrintWriter err;
  private final LayerRows layers = new LayerRows();

  PlainProgress(PrintWriter err) {
    this.err = err;
  }

  @Override
  public synchronized void onEvent(ProgressEvent event) {
    if (event instanceof ProgressEvent.Step s) {
      err.println(s.message());
      if (layers.allComplete()) {
        layers.clear();
      }
    } else if (event instanceof ProgressEvent.LayerProgress p) {
      LayerRows.Change c = layers.update(p, 0);
      if (!c.newPhase()) {
        return;
      }
      LayerRows.Row r = c.row();
      String what =
          switch (r.phase) {
            case DOWNLOADING ->
                r.downloaded()
                    ? "downloaded " + Format.bytes(r.done)
                    : "downloading" + (r.total >= 0 ? " " + Format.bytes(r.total) : "");
            case EXTRACTING -> "extracting" + (r.total >= 0 ? " " + Format.bytes(r.total) : "");
            case DONE -> "unpacked " + Format.bytes(r.done);
            case CACHED -> "cached " + Format.bytes(r.done);
          };
      err.println(r.id + ": " + what);
    }
    err.flush();
  }
}
