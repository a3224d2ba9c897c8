package io.oci2vm.daemon.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILLs a process that is writing jobs and checks that every change it reported as returned is
 * in the database afterwards, and that the database opens and works. Three rounds on one database,
 * so each round also recovers the last round's wreck.
 */
@Timeout(60)
class JdbcJobStoreCrashIT {
  private static final int ROUNDS = 3;

  @TempDir Path dir;

  @Test
  void open_afterSigkillHasEveryCommittedChange() throws Exception {
    for (int round = 0; round < ROUNDS; round++) {
      Map<String, JobState> reported = new LinkedHashMap<>();
      int lines = runAndKill(reported, 150 + 200 * round);
      assertTrue(lines > 0, "the child reported nothing");
      // checked before the next round, whose recover() moves RUNNING jobs on
      try (JdbcJobStore store = JdbcJobStore.open(dir)) {
        for (Map.Entry<String, JobState> e : reported.entrySet()) {
          Job job = store.get(e.getKey()).orElseThrow(() -> new AssertionError("lost " + e));
          // the kill may land after a commit and before its line: then the job is a step ahead
          assertTrue(
              rank(job.state()) >= rank(e.getValue()), e + " but the database has " + job.state());
          if (e.getValue().terminal()) {
            assertEquals(e.getValue(), job.state(), e.getKey());
          }
        }
        Job after = store.create(anyRequest(), "api");
        assertTrue(store.start(after.id()));
      }
    }
    try (JdbcJobStore store = JdbcJobStore.open(dir)) {
      store.recover(3);
      assertEquals(0L, store.counts().get(JobState.RUNNING));
    }
  }

  /** Runs the child until it reported {@code changes} lines, kills it; returns lines read. */
  private int runAndKill(Map<String, JobState> reported, int changes) throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p =
        new ProcessBuilder(
                java.toString(),
                "-cp",
                System.getProperty("java.class.path"),
                CrashingJobWriter.class.getName(),
                dir.toString())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    int lines = 0;
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      boolean killed = false;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while ((line = out.readLine()) != null) {
        if (!line.equals("READY")) {
          String[] f = line.split(" ");
          reported.put(f[0], JobState.valueOf(f[1]));
          lines++;
        }
        if (!killed && (lines >= changes || System.nanoTime() > deadline)) {
          // destroyForcibly is SIGKILL on Linux: no shutdown hooks, no H2 close
          p.destroyForcibly();
          killed = true;
        }
      }
    } catch (IOException e) {
      // the pipe may break as the child dies; what was read is what counts
    } finally {
      p.destroyForcibly();
      assertTrue(p.waitFor(10, TimeUnit.SECONDS));
    }
    assertEquals(137, p.exitValue(), "the child was not SIGKILLed (it failed on its own?)");
    return lines;
  }

  private static int rank(JobState s) {
    return switch (s) {
      case QUEUED -> 0;
      case RUNNING -> 1;
      default -> 2;
    };
  }

  private static JobRequest anyRequest() {
    return new JobRequest("a", List.of("raw"), null, null, null, null, null, null, null);
  }
}
