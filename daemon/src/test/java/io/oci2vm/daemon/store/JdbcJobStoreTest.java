package io.oci2vm.daemon.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class JdbcJobStoreTest {
  private static final Artifact QCOW2 = new Artifact("app.qcow2", "qcow2", 1234, "sha256:ab");

  @TempDir Path dir;
  JdbcJobStore store;

  @BeforeEach
  void open() {
    store = JdbcJobStore.open(dir);
  }

  @AfterEach
  void close() {
    store.close();
  }

  static JobRequest request(String image) {
    return new JobRequest(
        image, List.of("qcow2", "raw"), true, List.of("/etc/**"), null, "uefi", "2G", null, null);
  }

  private Job running(String image) {
    Job job = store.create(request(image), "api");
    assertTrue(store.start(job.id()));
    return job;
  }

  @Test
  void create_storesAQueuedJobThatGetReturns() {
    Job created = store.create(request("registry.example/app:1.0"), "hook:ci");

    Job got = store.get(created.id()).orElseThrow();

    assertEquals(created, got);
    assertEquals(JobState.QUEUED, got.state());
    assertEquals(request("registry.example/app:1.0"), got.request());
    assertEquals("hook:ci", got.trigger());
    assertEquals(0, got.attempts());
    assertEquals(List.of(), got.artifacts());
    assertTrue(JobIds.safe(got.id()));
  }

  @Test
  void create_idsSortByCreation() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      ids.add(store.create(request("a"), "api").id());
    }
    List<String> sorted = new ArrayList<>(ids);
    sorted.sort(null);
    assertEquals(ids, sorted);
  }

  @Test
  void get_unknownId() {
    assertTrue(store.get("nope").isEmpty());
  }

  @Test
  void list_walksAllPagesOnceNewestFirst() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 23; i++) {
      ids.add(0, store.create(request("img" + i), "api").id());
    }
    List<String> seen = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      JobStore.Page page = store.list(new JobStore.Query(null, null, null, 5, cursor));
      page.jobs().forEach(j -> seen.add(j.id()));
      cursor = page.next();
      pages++;
    } while (cursor != null);

    assertEquals(ids, seen);
    assertEquals(5, pages);
  }

  @Test
  void list_exactMultipleOfLimitHasNoEmptyLastPage() {
    for (int i = 0; i < 4; i++) {
      store.create(request("a"), "api");
    }
    JobStore.Page first = store.list(new JobStore.Query(null, null, null, 2, null));
    JobStore.Page second = store.list(new JobStore.Query(null, null, null, 2, first.next()));
    assertEquals(2, second.jobs().size());
    assertNull(second.next());
  }

  @Test
  void list_clampsTheLimit() {
    for (int i = 0; i < 3; i++) {
      store.create(request("a"), "api");
    }
    assertEquals(1, store.list(new JobStore.Query(null, null, null, 0, null)).jobs().size());
    assertEquals(1, store.list(new JobStore.Query(null, null, null, -7, null)).jobs().size());
    assertEquals(3, store.list(new JobStore.Query(null, null, null, 10_000, null)).jobs().size());
  }

  @Test
  void list_filtersByStateImageAndTrigger() {
    Job a = store.create(request("registry.example/app:1.0"), "api");
    Job b = store.create(request("registry.example/web:2"), "hook:ci");
    Job c = store.create(request("docker.io/library/nginx"), "api");
    store.start(b.id());

    assertEquals(
        List.of(b.id()),
        ids(store.list(new JobStore.Query(Set.of(JobState.RUNNING), null, null, 50, null))));
    assertEquals(
        List.of(c.id(), a.id()),
        ids(store.list(new JobStore.Query(Set.of(JobState.QUEUED), null, null, 50, null))));
    assertEquals(
        List.of(b.id(), a.id()),
        ids(store.list(new JobStore.Query(null, "registry.example/", null, 50, null))));
    assertEquals(
        List.of(b.id()), ids(store.list(new JobStore.Query(null, null, "hook:ci", 50, null))));
    assertEquals(
        List.of(a.id()),
        ids(store.list(new JobStore.Query(Set.of(JobState.QUEUED), "app", "api", 50, null))));
    assertEquals(3, ids(store.list(new JobStore.Query(Set.of(), null, null, 50, null))).size());
  }

  @Test
  void list_imageFilterTreatsWildcardsLiterally() {
    Job plain = store.create(request("registry.example/my_app:1"), "api");
    store.create(request("registry.example/myXapp:1"), "api");
    Job percent = store.create(request("registry.example/100%:1"), "api");

    assertEquals(
        List.of(plain.id()), ids(store.list(new JobStore.Query(null, "my_", null, 9, null))));
    assertEquals(
        List.of(percent.id()), ids(store.list(new JobStore.Query(null, "0%", null, 9, null))));
    assertEquals(List.of(), ids(store.list(new JobStore.Query(null, "\\", null, 9, null))));
  }

  @Test
  void start_secondTimeRefused() {
    Job job = store.create(request("a"), "api");

    assertTrue(store.start(job.id()));
    assertFalse(store.start(job.id()));
    assertEquals(1, store.get(job.id()).orElseThrow().attempts());
    assertEquals(JobState.RUNNING, store.get(job.id()).orElseThrow().state());
    assertFalse(store.start("unknown"));
  }

  @Test
  void resolved_recordsDigestAndKeyOfRunningJob() {
    Job job = running("a");
    store.resolved(job.id(), "sha256:1", "sha256:1|qcow2");

    Job got = store.get(job.id()).orElseThrow();
    assertEquals("sha256:1", got.imageDigest());
    assertEquals("sha256:1|qcow2", got.dedupeKey());
  }

  @Test
  void resolved_ignoredWhenNotRunning() {
    Job job = store.create(request("a"), "api");
    store.resolved(job.id(), "sha256:1", "k");
    assertNull(store.get(job.id()).orElseThrow().dedupeKey());
  }

  @Test
  void succeed_storesArtifactsOfRunningJob() {
    Job job = running("a");

    assertTrue(store.succeed(job.id(), List.of(QCOW2), null));

    Job got = store.get(job.id()).orElseThrow();
    assertEquals(JobState.SUCCEEDED, got.state());
    assertEquals(List.of(QCOW2), got.artifacts());
    assertFalse(store.succeed(job.id(), List.of(QCOW2), null));
  }

  @Test
  void succeed_refusedWhenNotRunning() {
    Job job = store.create(request("a"), "api");
    assertFalse(store.succeed(job.id(), List.of(QCOW2), null));
    assertEquals(JobState.QUEUED, store.get(job.id()).orElseThrow().state());
  }

  @Test
  void fail_fromQueuedOrRunningButNotTerminal() {
    Job queued = store.create(request("a"), "api");
    Job running = running("b");

    assertTrue(store.fail(queued.id(), "BAD_REFERENCE", "no such image"));
    assertTrue(store.fail(running.id(), "NO_KERNEL", "x".repeat(20_000)));
    assertFalse(store.fail(queued.id(), "INTERNAL", "again"));

    Job got = store.get(queued.id()).orElseThrow();
    assertEquals(JobState.FAILED, got.state());
    assertEquals("BAD_REFERENCE", got.errorCode());
    assertEquals("no such image", got.errorMessage());
    assertEquals(
        JobSchema.MAX_ERROR, store.get(running.id()).orElseThrow().errorMessage().length());
  }

  @Test
  void cancel_queuedJobEndsAtOnce() {
    Job job = store.create(request("a"), "api");

    assertTrue(store.cancel(job.id()));

    assertEquals(JobState.CANCELLED, store.get(job.id()).orElseThrow().state());
    assertFalse(store.cancel(job.id()));
    assertFalse(store.start(job.id()));
  }

  @Test
  void cancel_runningJobIsOnlyFlaggedUntilCancelled() {
    Job job = running("a");

    assertTrue(store.cancel(job.id()));

    Job got = store.get(job.id()).orElseThrow();
    assertEquals(JobState.RUNNING, got.state());
    assertTrue(got.cancelRequested());
    assertTrue(store.cancelled(job.id()));
    assertEquals(JobState.CANCELLED, store.get(job.id()).orElseThrow().state());
    assertFalse(store.cancelled(job.id()));
    assertFalse(store.cancel(job.id()));
  }

  @Test
  void cancel_unknownOrTerminalRefused() {
    Job job = running("a");
    store.succeed(job.id(), List.of(QCOW2), null);

    assertFalse(store.cancel(job.id()));
    assertFalse(store.cancel("unknown"));
  }

  @Test
  void cancelled_refusedWhenQueued() {
    Job job = store.create(request("a"), "api");
    assertFalse(store.cancelled(job.id()));
  }

  @Test
  void findByKey_newestSucceededOwnerOrRunning() {
    Job old = running("a");
    store.resolved(old.id(), "d", "key");
    store.succeed(old.id(), List.of(QCOW2), null);
    Job newer = running("a");
    store.resolved(newer.id(), "d", "key");
    store.succeed(newer.id(), List.of(QCOW2), null);
    Job sharing = running("a");
    store.resolved(sharing.id(), "d", "key");
    store.succeed(sharing.id(), List.of(), newer.id());
    Job failed = running("a");
    store.resolved(failed.id(), "d", "key");
    store.fail(failed.id(), "INTERNAL", "x");
    Job me = running("a");
    store.resolved(me.id(), "d", "key");

    assertEquals(newer.id(), store.findByKey("key", me.id()).orElseThrow().id());
    assertEquals(me.id(), store.findByKey("key", "other").orElseThrow().id());
    assertTrue(store.findByKey("other-key", me.id()).isEmpty());

    store.artifactsDeleted(newer.id());
    assertEquals(old.id(), store.findByKey("key", me.id()).orElseThrow().id());
    store.artifactsDeleted(old.id());
    assertTrue(store.findByKey("key", me.id()).isEmpty());
  }

  @Test
  void artifactsDeleted_alsoClearsJobsSharingThem() {
    Job owner = running("a");
    store.succeed(owner.id(), List.of(QCOW2), null);
    Job sharer = running("a");
    store.succeed(sharer.id(), List.of(QCOW2), owner.id());

    store.artifactsDeleted(owner.id());

    assertEquals(List.of(), store.get(owner.id()).orElseThrow().artifacts());
    assertEquals(List.of(), store.get(sharer.id()).orElseThrow().artifacts());
    assertEquals(owner.id(), store.get(sharer.id()).orElseThrow().sharedWith());
    assertEquals(JobState.SUCCEEDED, store.get(owner.id()).orElseThrow().state());
  }

  @Test
  void recover_requeuesOrFailsRunningJobsAndReturnsQueuedOldestFirst() {
    Job queued = store.create(request("q"), "api");
    Job once = running("once");
    Job thrice = store.create(request("thrice"), "api");
    for (int i = 0; i < 3; i++) {
      store.start(thrice.id());
      store.recover(10);
    }
    store.start(thrice.id());
    Job cancelling = running("c");
    store.cancel(cancelling.id());
    Job done = running("d");
    store.succeed(done.id(), List.of(QCOW2), null);

    List<Job> back = store.recover(3);

    assertEquals(List.of(queued.id(), once.id()), back.stream().map(Job::id).toList());
    Job failed = store.get(thrice.id()).orElseThrow();
    assertEquals(JobState.FAILED, failed.state());
    assertEquals("INTERRUPTED", failed.errorCode());
    assertEquals(4, failed.attempts());
    assertEquals(JobState.CANCELLED, store.get(cancelling.id()).orElseThrow().state());
    assertEquals(JobState.SUCCEEDED, store.get(done.id()).orElseThrow().state());
    assertTrue(store.start(once.id()));
    assertEquals(2, store.get(once.id()).orElseThrow().attempts());
  }

  @Test
  void counts_everyStateEvenZero() {
    running("a");
    store.create(request("b"), "api");
    store.create(request("c"), "api");

    Map<JobState, Long> counts = store.counts();

    assertEquals(JobState.values().length, counts.size());
    assertEquals(2L, counts.get(JobState.QUEUED));
    assertEquals(1L, counts.get(JobState.RUNNING));
    assertEquals(0L, counts.get(JobState.FAILED));
  }

  @Test
  void open_afterCloseKeepsEverything() {
    Job done = running("a");
    store.resolved(done.id(), "sha256:1", "k");
    store.succeed(done.id(), List.of(QCOW2), null);
    Job queued = store.create(request("b"), "api");
    Job before = store.get(done.id()).orElseThrow();
    store.close();

    store = JdbcJobStore.open(dir);

    assertEquals(before, store.get(done.id()).orElseThrow());
    assertEquals(JobState.QUEUED, store.get(queued.id()).orElseThrow().state());
    assertEquals(2, store.list(new JobStore.Query(null, null, null, 10, null)).jobs().size());
  }

  @Test
  void close_laterCallsFail() {
    store.close();
    store.close();
    assertThrows(IllegalStateException.class, () -> store.get("x"));
  }

  @Test
  void open_refusesNewerSchema() throws Exception {
    store.close();
    try (var c =
            java.sql.DriverManager.getConnection("jdbc:h2:file:" + dir.resolve("jobs"), "sa", "");
        var s = c.createStatement()) {
      s.execute("INSERT INTO schema_version (version) VALUES (99)");
    }
    JobStoreException e = assertThrows(JobStoreException.class, () -> JdbcJobStore.open(dir));
    assertTrue(e.getMessage().contains("99"), e.getMessage());
    store = JdbcJobStore.open("jdbc:h2:mem:x", "sa", "");
  }

  @Test
  void start_racingThreadsStartEachJobOnce() throws Exception {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      ids.add(store.create(request("a"), "api").id());
    }
    Map<String, AtomicInteger> starts = new ConcurrentHashMap<>();
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      List<String> mine = new ArrayList<>(ids);
      java.util.Collections.shuffle(mine);
      futures.add(
          pool.submit(
              () -> {
                go.await();
                for (String id : mine) {
                  if (store.start(id)) {
                    starts.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
                  }
                }
                return null;
              }));
    }
    go.countDown();
    for (Future<?> f : futures) {
      f.get();
    }
    pool.shutdown();
    assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));

    assertEquals(new HashSet<>(ids), starts.keySet());
    starts.values().forEach(n -> assertEquals(1, n.get()));
    assertEquals(200L, store.counts().get(JobState.RUNNING));
  }

  private static List<String> ids(JobStore.Page page) {
    return page.jobs().stream().map(Job::id).toList();
  }
}
