package io.oci2vm.daemon;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.oci2vm.AppOverrides;
import io.oci2vm.BootMode;
import io.oci2vm.Conversion;
import io.oci2vm.Digest;
import io.oci2vm.DiskFormat;
import io.oci2vm.DiskOptions;
import io.oci2vm.ImageSource;
import io.oci2vm.KernelSource;
import io.oci2vm.Oci2vmException;
import io.oci2vm.Platform;
import io.oci2vm.ProgressEvent;
import io.oci2vm.ResolvedImage;
import io.oci2vm.SlimPolicy;
import io.oci2vm.daemon.store.Artifact;
import io.oci2vm.daemon.store.ArtifactStore;
import io.oci2vm.daemon.store.Job;
import io.oci2vm.daemon.store.JobRequest;
import io.oci2vm.daemon.store.JobState;
import io.oci2vm.daemon.store.JobStore;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * Runs conversions: a bounded queue in front of a fixed pool of worker threads (never the event
 * loop), with every state change written to the {@link JobStore} first, so a crash loses nothing
 * and {@link JobStore#recover} picks up where it stopped.
 */
final class JobService {
  /** The queue is full; the client should retry after {@code retryAfterSeconds}. */
  static final class QueueFull extends ApiException {
    QueueFull() {
      super(429, "QUEUE_FULL", "the conversion queue is full; retry later");
    }
  }

  /** A submission's outcome: the job, and whether an identical active job was reused. */
  record Submitted(Job job, boolean existing) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  private final DaemonConfig config;
  private final JobStore store;
  private final ArtifactStore artifacts;
  private final JobEvents events;
  private final Metrics metrics;
  private final LinkedBlockingQueue<String> queue;
  private final ExecutorService workers;
  private final Map<String, String> activeByRequest = new HashMap<>();
  private final Set<String> running = ConcurrentHashMap.newKeySet();
  private final Set<String> cancelling = ConcurrentHashMap.newKeySet();
  private final Map<String, Long> lastLayerEvent = new ConcurrentHashMap<>();
  private final AtomicBoolean accepting = new AtomicBoolean(true);

  /**
   * Conversions hold the read side; trimming the blob cache takes the write side only when no
   * conversion runs, because a conversion may have looked an entry up and not yet opened it.
   */
  private final java.util.concurrent.locks.ReadWriteLock cacheUse =
      new java.util.concurrent.locks.ReentrantReadWriteLock();

  JobService(
      DaemonConfig config, JobStore store, ArtifactStore artifacts, JobEvents events, Metrics m) {
    this.config = config;
    this.store = store;
    this.artifacts = artifacts;
    this.events = events;
    this.metrics = m;
    this.queue = new LinkedBlockingQueue<>();
    this.workers =
        Executors.newFixedThreadPool(
            config.workers(),
            r -> {
              Thread t = new Thread(r, "oci2vm-worker");
              t.setDaemon(true);
              return t;
            });
  }

  /** Re-queues what a previous run left (see {@link JobStore#recover}) and starts the workers. */
  void start() {
    for (Job j : store.recover(config.maxAttempts())) {
      synchronized (activeByRequest) {
        activeByRequest.put(canonical(j.request()), j.id());
      }
      queue.add(j.id());
    }
    for (int i = 0; i < config.workers(); i++) {
      workers.submit(this::workLoop);
    }
  }

  /** Queue depth, for metrics and readiness. */
  int queued() {
    return queue.size();
  }

  int runningCount() {
    return running.size();
  }

  boolean accepting() {
    return accepting.get();
  }

  /**
   * Stores and queues a request (already normalised), or returns the active job with the same
   * request. Throws {@link QueueFull} when the queue is at capacity.
   */
  Submitted submit(JobRequest request, String trigger) {
    if (!accepting.get()) {
      throw new ApiException(503, "SHUTTING_DOWN", "the daemon is shutting down");
    }
    String key = canonical(request);
    synchronized (activeByRequest) {
      String existing = activeByRequest.get(key);
      if (existing != null) {
        Optional<Job> j = store.get(existing);
        if (j.isPresent() && !j.get().state().terminal()) {
          return new Submitted(j.get(), true);
        }
        activeByRequest.remove(key);
      }
      if (queue.size() >= config.queueCapacity()) {
        metrics.rejected();
        throw new QueueFull();
      }
      Job job = store.create(request, trigger);
      activeByRequest.put(key, job.id());
      queue.add(job.id());
      events.publish(job.id(), "state", new JsonObject().put("state", JobState.QUEUED.name()));
      metrics.submitted();
      return new Submitted(job, false);
    }
  }

  /** Cancels a job; false if it is unknown or already finished. */
  boolean cancel(String id) {
    Optional<Job> before = store.get(id);
    if (before.isEmpty() || !store.cancel(id)) {
      return false;
    }
    // The store decided: either QUEUED became CANCELLED (even if a worker has just polled the
    // id, its start() will now fail), or a RUNNING job got cancelRequested.
    Optional<Job> after = store.get(id);
    if (after.isPresent() && after.get().state() == JobState.CANCELLED) {
      queue.remove(id);
      finished(id, after.get().request());
      events.publish(id, "state", new JsonObject().put("state", JobState.CANCELLED.name()));
      Callbacks.announceLater(after.get());
    } else {
      // Cooperative: the conversion stops at its next progress event. Interrupting the worker
      // would be quicker but can close the H2 database's file channel under it.
      cancelling.add(id);
    }
    return true;
  }

  /**
   * Stops taking jobs and lets running ones finish within {@code graceSeconds}; what did not finish
   * stays RUNNING or QUEUED in the store and is picked up on the next start.
   */
  void shutdown(int graceSeconds) {
    accepting.set(false);
    queue.clear();
    workers.shutdown();
    try {
      // Past the grace period the workers are left to die with the JVM (they are daemon
      // threads) rather than interrupted, which could close the database under them; their
      // jobs stay RUNNING in the store and are retried at the next start.
      workers.awaitTermination(graceSeconds, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void workLoop() {
    while (accepting.get() && !Thread.currentThread().isInterrupted()) {
      String id;
      try {
        id = queue.poll(500, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        return;
      }
      if (id == null || !accepting.get()) {
        if (id != null) {
          queue.add(id); // still QUEUED in the store: the next start runs it
        }
        continue;
      }
      boolean started;
      try {
        started = store.start(id);
      } catch (RuntimeException e) {
        // The store is unwell (a transient database error): keep the job, try again shortly.
        queue.add(id);
        pause();
        continue;
      }
      if (!started) {
        continue; // cancelled while queued
      }
      running.add(id);
      cacheUse.readLock().lock();
      try {
        run(id);
      } catch (Throwable t) {
        // run() records every expected failure itself; this is a bug or the store failing.
        // The worker must survive it, and the job must not stay RUNNING while we live.
        try {
          store.fail(id, "INTERNAL", "the worker failed: " + t);
          events.publish(id, "state", new JsonObject().put("state", JobState.FAILED.name()));
        } catch (RuntimeException ignored) {
          // the store is down too; recover() at the next start retries the job
        }
      } finally {
        cacheUse.readLock().unlock();
        running.remove(id);
        cancelling.remove(id);
        lastLayerEvent.remove(id);
      }
      trimCache();
    }
  }

  private static void pause() {
    try {
      Thread.sleep(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void run(String id) {
    Job job = store.get(id).orElseThrow();
    JobRequest r = job.request();
    events.publish(id, "state", new JsonObject().put("state", JobState.RUNNING.name()));
    long t0 = System.nanoTime();
    JobState end;
    try {
      Conversion c = conversion(id, r);
      ResolvedImage image = c.inspect();
      String key = dedupeKey(image.manifestDigest(), r);
      store.resolved(id, image.manifestDigest().toString(), key);
      Optional<Job> same = waitForSame(key, id);
      if (same.isPresent()) {
        store.succeed(id, List.of(), same.get().id());
        events.publish(
            id,
            "step",
            new JsonObject().put("stage", "dedupe").put("message", "shares " + same.get().id()));
      } else {
        List<Artifact> made = convert(id, c, r);
        checkCancel(id);
        // Make room before the job shows as done (this one is protected: it is running), so a
        // client that sees SUCCEEDED also sees what was evicted for it.
        artifacts.evict(Set.copyOf(running)).forEach(store::artifactsDeleted);
        store.succeed(id, made, null);
        made.forEach(a -> metrics.written(a.size()));
      }
      end = JobState.SUCCEEDED;
    } catch (Exception e) {
      // A cancel surfaces as Cancelled from the progress listener, or as whatever the step it
      // stopped threw; the recorded request decides.
      if (e instanceof Cancelled || e instanceof InterruptedException || cancelling.contains(id)) {
        store.cancelled(id);
        end = JobState.CANCELLED;
      } else if (e instanceof Oci2vmException o) {
        store.fail(id, o.code().name(), o.getMessage());
        end = JobState.FAILED;
      } else {
        store.fail(id, "INTERNAL", String.valueOf(e));
        end = JobState.FAILED;
      }
      artifacts.delete(id);
    }
    metrics.finished(end, (System.nanoTime() - t0) / 1e9);
    finished(id, r);
    Job done = store.get(id).orElseThrow();
    events.publish(id, "state", new JsonObject().put("state", done.state().name()));
    Callbacks.announceLater(done);
  }

  /** Keeps the blob and layer cache under its limit, least recently used first. */
  private void trimCache() {
    Path cache = config.cacheDir() != null ? config.cacheDir() : Conversion.defaultCacheDir();
    if (cacheUse.writeLock().tryLock()) {
      try {
        io.oci2vm.daemon.store.CacheTrimmer.trim(cache, config.cacheMaxBytes());
      } catch (RuntimeException e) {
        // a cache that cannot be trimmed now is trimmed after the next job
      } finally {
        cacheUse.writeLock().unlock();
      }
    }
  }

  private void finished(String id, JobRequest r) {
    synchronized (activeByRequest) {
      activeByRequest.remove(canonical(r), id);
    }
  }

  /** A finished or running job with the same digest and options; waits for a running one. */
  private Optional<Job> waitForSame(String key, String id) throws InterruptedException {
    while (true) {
      Optional<Job> other = store.findByKey(key, id);
      if (other.isEmpty()) {
        return Optional.empty();
      }
      if (other.get().state() == JobState.SUCCEEDED) {
        return other;
      }
      if (other.get().id().compareTo(id) > 0) {
        // Only ever wait for an older job, so two workers never wait for each other.
        return Optional.empty();
      }
      checkCancel(id);
      Thread.sleep(500);
      Optional<Job> now = store.get(other.get().id());
      if (now.isPresent()
          && now.get().state().terminal()
          && now.get().state() != JobState.SUCCEEDED) {
        return Optional.empty(); // it failed: do the work ourselves
      }
    }
  }

  private Conversion conversion(String id, JobRequest r) {
    Conversion c =
        Conversion.from(ImageSource.parse(r.image()))
            .platform(Platform.parse(r.platform()))
            .insecureRegistries(Set.copyOf(config.insecureRegistries()))
            .onProgress(e -> progress(id, e));
    return config.cacheDir() == null ? c : c.cacheDir(config.cacheDir());
  }

  private List<Artifact> convert(String id, Conversion c, JobRequest r) throws IOException {
    artifacts.delete(id); // what an interrupted earlier attempt left
    Path dir = artifacts.jobDir(id);
    SlimPolicy policy =
        Boolean.FALSE.equals(r.slim()) ? SlimPolicy.NONE : SlimPolicy.DEFAULT.keep(r.keep());
    String kernelImage = r.kernelImage() != null ? r.kernelImage() : config.kernelImage();
    KernelSource kernel =
        kernelImage != null ? KernelSource.image(kernelImage) : KernelSource.auto();
    String name = baseName(r.image());
    Map<DiskFormat, Path> disks = new LinkedHashMap<>();
    for (String f : r.formats()) {
      if (!f.equals("bundle")) {
        DiskFormat d = DiskFormat.parse(f);
        String file = name + "." + d.extension();
        if (disks.containsValue(dir.resolve(file))) {
          file = name + "-" + d.id() + "." + d.extension();
        }
        disks.put(d, dir.resolve(file));
      }
    }
    if (!disks.isEmpty()) {
      DiskOptions options =
          new DiskOptions(
              BootMode.parse(r.boot()),
              r.diskSize() == null ? 0 : DiskOptions.parseSize(r.diskSize()));
      c.writeDisks(disks, options, policy, kernel, AppOverrides.NONE);
    }
    if (r.formats().contains("bundle")) {
      checkCancel(id);
      c.writeBundle(dir.resolve("bundle"), policy, kernel, AppOverrides.NONE);
    }
    List<Artifact> out = new ArrayList<>();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.filter(Files::isRegularFile).sorted().toList()) {
        String rel = dir.relativize(p).toString();
        if (rel.startsWith(".")) {
          continue; // the artifact store's own bookkeeping
        }
        out.add(
            new Artifact(
                rel, formatOf(rel, disks, dir), Files.size(p), Digest.ofFile(p).toString()));
      }
    }
    return out;
  }

  private static String formatOf(String rel, Map<DiskFormat, Path> disks, Path dir) {
    for (var e : disks.entrySet()) {
      if (dir.relativize(e.getValue()).toString().equals(rel)) {
        return e.getKey().id();
      }
    }
    return rel.startsWith("bundle/") ? "bundle" : rel.endsWith(".oci2vm.json") ? "record" : "file";
  }

  /** A file name from the image's repository: "app" for registry.example/team/app:1.0. */
  static String baseName(String image) {
    String s = image.replaceAll("^[a-z-]+:(?!//)", "");
    s = s.replaceAll("[@:][^/]*$", "");
    s = s.substring(s.lastIndexOf('/') + 1).replaceAll("[^A-Za-z0-9._-]", "-");
    s = s.replaceFirst("^[.-]+", "");
    return s.isEmpty() ? "image" : s.length() > 64 ? s.substring(0, 64) : s;
  }

  private void progress(String id, ProgressEvent e) {
    if (cancelling.contains(id) || Thread.currentThread().isInterrupted()) {
      throw new Cancelled();
    }
    if (e instanceof ProgressEvent.Step s) {
      events.publish(
          id, "step", new JsonObject().put("stage", s.stage()).put("message", s.message()));
    } else if (e instanceof ProgressEvent.LayerProgress l) {
      metrics.layer(l);
      boolean moving =
          l.phase() == ProgressEvent.Phase.DOWNLOADING
              || l.phase() == ProgressEvent.Phase.EXTRACTING;
      long now = System.nanoTime();
      Long last = lastLayerEvent.get(id);
      // Byte counts at most 4 times a second per job: enough for a client's progress bar.
      if (!moving || l.done() == l.total() || last == null || now - last > 250_000_000L) {
        lastLayerEvent.put(id, now);
        events.publish(
            id,
            "layer",
            new JsonObject()
                .put("layer", l.layer().toString())
                .put("phase", l.phase().name())
                .put("done", l.done())
                .put("total", l.total()));
      }
    }
  }

  private void checkCancel(String id) {
    if (cancelling.contains(id)) {
      throw new Cancelled();
    }
  }

  /** Thrown from the progress listener to stop a conversion that was cancelled. */
  private static final class Cancelled extends RuntimeException {
    Cancelled() {
      super("cancelled", null, false, false);
    }
  }

  static String dedupeKey(Digest digest, JobRequest r) {
    JobRequest options =
        new JobRequest(
            null,
            r.formats(),
            r.slim(),
            r.keep(),
            r.kernelImage(),
            r.boot(),
            r.diskSize(),
            r.platform(),
            null);
    return Digest.of((digest + "\n" + json(options)).getBytes(StandardCharsets.UTF_8)).toString();
  }

  private static String canonical(JobRequest r) {
    return json(
        new JobRequest(
            r.image(),
            r.formats(),
            r.slim(),
            r.keep(),
            r.kernelImage(),
            r.boot(),
            r.diskSize(),
            r.platform(),
            null));
  }

  private static String json(Object o) {
    try {
      return JSON.writeValueAsString(o);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
