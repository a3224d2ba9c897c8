package io.oci2vm.daemon.store;

import java.nio.file.Path;
import java.util.List;

/**
 * The child process of {@link JdbcJobStoreCrashIT}: opens the store and drives jobs through their
 * transitions forever, printing "ID STATE" after each call returned (so after it committed), until
 * the test SIGKILLs it.
 */
final class CrashingJobWriter {
  private CrashingJobWriter() {}

  public static void main(String[] args) {
    JdbcJobStore store = JdbcJobStore.open(Path.of(args[0]));
    store.recover(3);
    System.out.println("READY");
    System.out.flush();
    for (int i = 0; ; i++) {
      Job job =
          store.create(
              new JobRequest(
                  "registry.example/app:" + i,
                  List.of("qcow2"),
                  null,
                  null,
                  null,
                  null,
                  null,
                  null,
                  null),
              "api");
      print(job.id(), JobState.QUEUED);
      if (!store.start(job.id())) {
        throw new IllegalStateException("start refused " + job.id());
      }
      print(job.id(), JobState.RUNNING);
      switch (i % 3) {
        case 0 -> {
          store.resolved(job.id(), "sha256:" + i, "key" + i);
          store.succeed(job.id(), List.of(new Artifact("a.qcow2", "qcow2", i, "sha256:x")), null);
          print(job.id(), JobState.SUCCEEDED);
        }
        case 1 -> {
          store.fail(job.id(), "INTERNAL", "failure " + i);
          print(job.id(), JobState.FAILED);
        }
        default -> {
          store.cancel(job.id());
          store.cancelled(job.id());
          print(job.id(), JobState.CANCELLED);
        }
      }
    }
  }

  private static void print(String id, JobState state) {
    System.out.println(id + " " + state);
    System.out.flush();
  }
}
