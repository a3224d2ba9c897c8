package io.oci2vm.daemon.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArtifactStoreTest {
  private static final Instant T0 = Instant.parse("2024-01-01T00:00:00Z");

  @TempDir Path dir;

  private static void write(ArtifactStore store, String id, int bytes) throws IOException {
    Files.write(store.jobDir(id).resolve("app.qcow2"), new byte[bytes]);
  }

  @Test
  void jobDir_createdUnderTheRoot() {
    ArtifactStore store = new ArtifactStore(dir, 100);

    Path d = store.jobDir("job-1");

    assertEquals(dir.toAbsolutePath().resolve("job-1"), d);
    assertTrue(Files.isDirectory(d));
  }

  @Test
  void jobDir_unsafeIdsRefused() {
    ArtifactStore store = new ArtifactStore(dir, 100);
    for (String id : List.of("..", "a/b", ".hidden", "", "a b", "x\\y", "../../etc", "é")) {
      assertThrows(IllegalArgumentException.class, () -> store.jobDir(id), id);
      assertThrows(IllegalArgumentException.class, () -> store.delete(id), id);
      assertThrows(IllegalArgumentException.class, () -> store.size(id), id);
    }
    assertThrows(IllegalArgumentException.class, () -> store.jobDir(null));
  }

  @Test
  void size_andTotalBytesCountFiles() throws IOException {
    ArtifactStore store = new ArtifactStore(dir, 100);
    write(store, "a", 30);
    write(store, "b", 12);
    Files.createDirectories(store.jobDir("b").resolve("bundle"));
    Files.write(store.jobDir("b").resolve("bundle/kernel"), new byte[8]);
    Files.write(dir.resolve("stray-file"), new byte[1000]);

    assertEquals(30, store.size("a"));
    assertEquals(20, store.size("b"));
    assertEquals(0, store.size("missing"));
    assertEquals(50, store.totalBytes());
  }

  @Test
  void evict_deletesLeastRecentlyUsedUntilUnderTheLimit() throws IOException {
    ArtifactStore store = new ArtifactStore(dir, 25);
    for (String id : List.of("a", "b", "c", "d")) {
      write(store, id, 10);
    }
    store.touch("a", T0.plusSeconds(4));
    store.touch("b", T0.plusSeconds(1));
    store.touch("c", T0.plusSeconds(3));
    store.touch("d", T0.plusSeconds(2));
    store.touch("b", T0.plusSeconds(5)); // b is now the most recently used

    List<String> evicted = store.evict(Set.of());

    assertEquals(List.of("d", "c"), evicted);
    assertEquals(20, store.totalBytes());
    assertFalse(Files.exists(dir.resolve("d")));
    assertTrue(Files.exists(dir.resolve("a")));
    assertEquals(List.of(), store.evict(Set.of()));
  }

  @Test
  void evict_neverDeletesProtectedJobs() throws IOException {
    ArtifactStore store = new ArtifactStore(dir, 5);
    write(store, "old", 10);
    write(store, "mid", 10);
    write(store, "new", 10);
    store.touch("old", T0);
    store.touch("mid", T0.plusSeconds(1));
    store.touch("new", T0.plusSeconds(2));

    List<String> evicted = store.evict(Set.of("old", "new"));

    assertEquals(List.of("mid"), evicted);
    assertEquals(20, store.totalBytes()); // still over: protected jobs stay anyway
  }

  @Test
  void touch_lastUseSurvivesANewInstance() throws IOException {
    ArtifactStore first = new ArtifactStore(dir, 1000);
    write(first, "a", 10);
    write(first, "b", 10);
    first.touch("a", T0.plusSeconds(2));
    first.touch("b", T0.plusSeconds(1));

    ArtifactStore second = new ArtifactStore(dir, 15);

    assertEquals(List.of("b"), second.evict(Set.of()));
  }

  @Test
  void touch_unknownJobCreatesNothing() {
    ArtifactStore store = new ArtifactStore(dir, 10);
    store.touch("ghost");
    assertFalse(Files.exists(dir.resolve("ghost")));
  }

  @Test
  void delete_removesTheJobOnce() throws IOException {
    ArtifactStore store = new ArtifactStore(dir, 10);
    write(store, "a", 5);

    assertTrue(store.delete("a"));
    assertFalse(store.delete("a"));
    assertFalse(Files.exists(dir.resolve("a")));
    try (var s = Files.list(dir)) {
      assertEquals(0, s.count());
    }
  }

  @Test
  void delete_removesLinksNotTheirTargets() throws IOException {
    ArtifactStore store = new ArtifactStore(dir.resolve("artifacts"), 10);
    Path outside = Files.writeString(dir.resolve("precious"), "keep");
    Files.createSymbolicLink(store.jobDir("a").resolve("link"), outside);

    assertTrue(store.delete("a"));
    assertEquals("keep", Files.readString(outside));
  }

  @Test
  void new_removesInterruptedDeletions() throws IOException {
    Path leftover = Files.createDirectories(dir.resolve(".deleting-a-123/sub"));
    Files.write(leftover.resolve("f"), new byte[3]);

    new ArtifactStore(dir, 10);

    assertFalse(Files.exists(dir.resolve(".deleting-a-123")));
  }
}
