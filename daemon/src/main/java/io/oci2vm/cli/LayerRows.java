package io.oci2vm.cli;

import io.oci2vm.Digest;
import io.oci2vm.ProgressEvent.LayerProgress;
import io.oci2vm.ProgressEvent.Phase;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The layers seen so far, one row each, in the order they appeared.
 *
 * <p>A download is reported under the compressed blob's digest and the unpacking under the
 * uncompressed diff_id; the converters pull one layer at a time, so an unpacking event for a layer
 * not seen yet belongs to the download just before it, and both stay on one row under the id shown
 * first (the blob's, as docker shows it).
 */
final class LayerRows {
  /** One layer's state. */
  static final class Row {
    final String id;
    Phase phase;
    long done;
    long total;
    long phaseStartNanos;
    long phaseStartDone;
    long downloadedBytes = -1;

    Row(String id) {
      this.id = id;
    }

    /** Whether the layer is finished: unpacked or found in the cache. */
    boolean complete() {
      return phase == Phase.DONE || phase == Phase.CACHED;
    }

    /** Whether a download has received all its bytes. */
    boolean downloaded() {
      return phase == Phase.DOWNLOADING && total >= 0 && done >= total;
    }

    /** Bytes per second in the current phase, or -1 while too little time has passed to tell. */
    long bytesPerSecond(long now) {
      long elapsed = now - phaseStartNanos;
      if (elapsed < 50_000_000L || done <= phaseStartDone) {
        return -1;
      }
      return (long) ((done - phaseStartDone) * 1e9 / elapsed);
    }
  }

  /** What an update did to a row. */
  record Change(Row row, boolean newPhase) {}

  private final List<Row> rows = new ArrayList<>();
  private final Map<Digest, Row> byDigest = new HashMap<>();
  private Row lastDownload;

  /** Applies an event at time {@code now} (System.nanoTime). */
  Change update(LayerProgress p, long now) {
    Row row = byDigest.get(p.layer());
    if (row == null) {
      boolean unpacking = p.phase() == Phase.EXTRACTING || p.phase() == Phase.DONE;
      if (unpacking && lastDownload != null && lastDownload.phase == Phase.DOWNLOADING) {
        row = lastDownload;
      } else {
        row = new Row(p.layer().shortHex());
        rows.add(row);
      }
      byDigest.put(p.layer(), row);
    }
    lastDownload = p.phase() == Phase.DOWNLOADING ? row : null;
    boolean newPhase = row.phase != p.phase();
    if (newPhase) {
      if (row.phase == Phase.DOWNLOADING) {
        row.downloadedBytes = row.done;
      }
      row.phase = p.phase();
      row.phaseStartNanos = now;
      // A phase that starts with its first event already some way in still counts from zero when
      // it follows another phase of the same layer, which ended just now.
      row.phaseStartDone = row.downloadedBytes >= 0 ? 0 : p.done();
    }
    boolean wasDownloaded = row.downloaded();
    row.done = p.done();
    row.total = p.total();
    return new Change(row, newPhase || row.downloaded() != wasDownloaded);
  }

  /** The rows in order of appearance. */
  List<Row> rows() {
    return rows;
  }

  /** Whether every row is complete (true when there are none). */
  boolean allComplete() {
    return rows.stream().allMatch(Row::complete);
  }

  /** Forgets every row, as when they have scrolled into the history for good. */
  void clear() {
    rows.clear();
    byDigest.clear();
    lastDownload = null;
  }
}
