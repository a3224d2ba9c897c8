package io.oci2vm.cli;

import io.oci2vm.Digest;
import io.oci2vm.ProgressEvent;
import io.oci2vm.ProgressEvent.LayerProgress;
import io.oci2vm.ProgressEvent.Phase;
import io.oci2vm.ProgressListener;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A pull as the converters report it, with a clock that advances 50 ms per event: a registry layer
 * downloaded (under its blob digest) then unpacked (under its diff_id), a second one already
 * cached, then the later stages.
 */
final class SyntheticPull {
  static final Digest BLOB = Digest.of("blob".getBytes(java.nio.charset.StandardCharsets.UTF_8));
  static final Digest DIFF_ID = Digest.of("diff".getBytes(java.nio.charset.StandardCharsets.UTF_8));
  static final Digest CACHED =
      Digest.of("cached".getBytes(java.nio.charset.StandardCharsets.UTF_8));
  static final long MIB = 1 << 20;
  static final long DOWNLOAD = 40 * MIB;
  static final long UNPACKED = 100 * MIB;

  final AtomicLong clock = new AtomicLong();

  private SyntheticPull() {}

  static SyntheticPull create() {
    return new SyntheticPull();
  }

  /** Feeds the whole pull to the listener. */
  void feed(ProgressListener l) {
    l.onEvent(new ProgressEvent.Step("resolve", "resolving localhost:5000/nginx:latest"));
    for (long done = 64 << 10; done < DOWNLOAD; done += MIB) {
      emit(l, new LayerProgress(BLOB, Phase.DOWNLOADING, done, DOWNLOAD));
    }
    emit(l, new LayerProgress(BLOB, Phase.DOWNLOADING, DOWNLOAD, DOWNLOAD));
    for (long done = 8 * MIB; done < UNPACKED; done += 8 * MIB) {
      emit(l, new LayerProgress(DIFF_ID, Phase.EXTRACTING, done, -1));
    }
    emit(l, new LayerProgress(DIFF_ID, Phase.DONE, UNPACKED, UNPACKED));
    emit(l, new LayerProgress(CACHED, Phase.CACHED, 3 * MIB, 3 * MIB));
    l.onEvent(new ProgressEvent.Step("flatten", "flattening 2 layers"));
    l.onEvent(new ProgressEvent.Step("slim", "slimming"));
    l.onEvent(new ProgressEvent.Step("assemble", "writing bundle /tmp/out"));
  }

  private void emit(ProgressListener l, ProgressEvent e) {
    clock.addAndGet(50_000_000L);
    l.onEvent(e);
  }
}
