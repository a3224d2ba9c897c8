package io.oci2vm.daemon;

import io.oci2vm.ProgressEvent;
import io.oci2vm.daemon.store.JobState;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAdder;

/** Counters the daemon exposes at /metrics in Prometheus' text format. */
final class Metrics {
  private final AtomicLong submitted = new AtomicLong();
  private final AtomicLong rejected = new AtomicLong();
  private final AtomicLong bytesPulled = new AtomicLong();
  private final AtomicLong bytesWritten = new AtomicLong();
  private final AtomicLong cacheHits = new AtomicLong();
  private final AtomicLong hooks = new AtomicLong();
  private final Map<JobState, AtomicLong> finished = new EnumMap<>(JobState.class);
  private final Map<JobState, DoubleAdder> seconds = new EnumMap<>(JobState.class);

  Metrics() {
    for (JobState s : JobState.values()) {
      finished.put(s, new AtomicLong());
      seconds.put(s, new DoubleAdder());
    }
  }

  void submitted() {
    submitted.incrementAndGet();
  }

  void rejected() {
    rejected.incrementAndGet();
  }

  void hook() {
    hooks.incrementAndGet();
  }

  void written(long bytes) {
    bytesWritten.addAndGet(bytes);
  }

  void finished(JobState state, double durationSeconds) {
    finished.get(state).incrementAndGet();
    seconds.get(state).add(durationSeconds);
  }

  /** Layer events: a cached layer is a hit; a finished download adds its bytes. */
  void layer(ProgressEvent.LayerProgress l) {
    if (l.phase() == ProgressEvent.Phase.CACHED) {
      cacheHits.incrementAndGet();
    } else if (l.phase() == ProgressEvent.Phase.DOWNLOADING
        && l.total() > 0
        && l.done() == l.total()) {
      bytesPulled.addAndGet(l.total());
    }
  }

  /** The exposition text, with the gauges the caller knows. */
  String render(int queueDepth, int running, Map<JobState, Long> jobs, long artifactBytes) {
    StringBuilder b = new StringBuilder();
    gauge(b, "oci2vm_queue_depth", "Jobs waiting for a worker.", queueDepth);
    gauge(b, "oci2vm_jobs_running", "Jobs being converted now.", running);
    b.append("# HELP oci2vm_jobs Jobs in the store by state.\n# TYPE oci2vm_jobs gauge\n");
    for (JobState s : JobState.values()) {
      b.append("oci2vm_jobs{state=\"")
          .append(s.name().toLowerCase())
          .append("\"} ")
          .append(jobs.getOrDefault(s, 0L))
          .append('\n');
    }
    counter(b, "oci2vm_submissions_total", "Conversions accepted.", submitted.get());
    counter(b, "oci2vm_rejections_total", "Submissions refused with 429.", rejected.get());
    counter(b, "oci2vm_webhooks_total", "Webhook deliveries accepted.", hooks.get());
    counter(b, "oci2vm_pulled_bytes_total", "Layer bytes downloaded.", bytesPulled.get());
    counter(b, "oci2vm_written_bytes_total", "Artifact bytes written.", bytesWritten.get());
    counter(b, "oci2vm_cache_hits_total", "Layers found in the cache.", cacheHits.get());
    gauge(b, "oci2vm_artifact_bytes", "Bytes of artifacts kept.", artifactBytes);
    b.append("# HELP oci2vm_job_duration_seconds Time from start to end of finished jobs.\n")
        .append("# TYPE oci2vm_job_duration_seconds summary\n");
    for (JobState s : new JobState[] {JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED}) {
      String l = "{result=\"" + s.name().toLowerCase() + "\"} ";
      b.append("oci2vm_job_duration_seconds_sum")
          .append(l)
          .append(seconds.get(s).sum())
          .append('\n');
      b.append("oci2vm_job_duration_seconds_count")
          .append(l)
          .append(finished.get(s).get())
          .append('\n');
    }
    return b.toString();
  }

  private static void gauge(StringBuilder b, String name, String help, long v) {
    b.append("# HELP ").append(name).append(' ').append(help).append('\n');
    b.append("# TYPE ")
        .append(name)
        .append(" gauge\n")
        .append(name)
        .append(' ')
        .append(v)
        .append('\n');
  }

  private static void counter(StringBuilder b, String name, String help, long v) {
    b.append("# HELP ").append(name).append(' ').append(help).append('\n');
    b.append("# TYPE ")
        .append(name)
        .append(" counter\n")
        .append(name)
        .append(' ')
        .append(v)
        .append('\n');
  }
}
