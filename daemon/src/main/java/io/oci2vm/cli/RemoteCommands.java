package io.oci2vm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import io.oci2vm.client.Artifact;
import io.oci2vm.client.ConversionRequest;
import io.oci2vm.client.Job;
import io.oci2vm.client.JobEvent;
import io.oci2vm.client.JobPage;
import io.oci2vm.client.JobQuery;
import io.oci2vm.client.JobState;
import io.oci2vm.client.Oci2vmClient;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** The commands that talk to a daemon: submit, status, wait, logs, download, ls, cancel. */
final class RemoteCommands {
  private RemoteCommands() {}

  /** Exit status of wait/submit --wait when the job did not succeed. */
  static final int EXIT_JOB_FAILED = 1;

  static void printJob(PrintWriter out, Job j) {
    out.printf("%s  %-9s  %s%n", j.id(), j.state(), j.request().image());
    if (j.error() != null) {
      out.printf("  error: %s: %s%n", j.error().code(), j.error().message());
    }
    if (j.sharedWith() != null) {
      out.printf("  shares the result of %s%n", j.sharedWith());
    }
    for (Artifact a : j.artifacts()) {
      out.printf("  %10s  %-11s %s%n", Format.bytes(a.size()), a.format(), a.name());
    }
  }

  static void printJson(PrintWriter out, Object o) {
    try {
      out.println(
          new ObjectMapper()
              .registerModule(
                  new SimpleModule()
                      .addSerializer(java.time.Instant.class, ToStringSerializer.instance))
              .writeValueAsString(o));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static int exitFor(Job j) {
    return j.state() == JobState.SUCCEEDED ? 0 : EXIT_JOB_FAILED;
  }

  /** {@code oci2vm submit IMAGE}. */
  @Command(
      name = "submit",
      mixinStandardHelpOptions = true,
      description = "Submits a conversion to the daemon and prints the job (with --wait: waits).")
  static final class Submit implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin RemoteOptions remote;

    @Parameters(
        index = "0",
        paramLabel = "IMAGE",
        description = "The image, as the daemon reads it.")
    String image;

    @Option(
        names = {"-f", "--format"},
        paramLabel = "FORMAT",
        description = "Output format; repeatable (default qcow2).")
    List<String> formats = new ArrayList<>();

    @Option(names = "--no-slim", description = "Keep every file of the image.")
    boolean noSlim;

    @Option(
        names = "--keep",
        paramLabel = "GLOB",
        description = "Also keep these paths; repeatable.")
    List<String> keep = new ArrayList<>();

    @Option(names = "--kernel-image", paramLabel = "REF", description = "A kernel OCI image.")
    String kernelImage;

    @Option(names = "--boot", paramLabel = "MODE", description = "uefi, bios or hybrid.")
    String boot;

    @Option(
        names = "--disk-size",
        paramLabel = "SIZE",
        description = "The whole disk's size, e.g. 2G.")
    String diskSize;

    @Option(names = "--platform", paramLabel = "OS/ARCH", description = "Platform to pick.")
    String platform;

    @Option(names = "--callback", paramLabel = "URL", description = "POSTed the finished job.")
    String callback;

    @Option(names = "--wait", description = "Wait for the job, showing its progress.")
    boolean await;

    @Option(names = "--json", description = "Print the job as JSON.")
    boolean json;

    @Override
    public Integer call() {
      ConversionRequest req =
          new ConversionRequest(
              image,
              formats.isEmpty() ? null : formats,
              noSlim ? Boolean.FALSE : null,
              keep.isEmpty() ? null : keep,
              kernelImage,
              boot,
              diskSize,
              platform,
              callback);
      PrintWriter out = spec.commandLine().getOut();
      try (Oci2vmClient c = remote.client()) {
        Job j = c.submit(req);
        if (await) {
          j = follow(c, j.id(), spec.commandLine().getErr(), false, json);
        }
        if (json) {
          printJson(out, j);
        } else {
          printJob(out, j);
        }
        return await ? exitFor(j) : 0;
      }
    }
  }

  /**
   * Follows a job's events on stderr (as lines, or JSON lines) until it ends; returns the finished
   * job.
   */
  static Job follow(Oci2vmClient c, String id, PrintWriter err, boolean quiet, boolean json) {
    if (!quiet) {
      // The daemon's events drive the same renderer a local run uses: bars on a terminal.
      ProgressRenderer r = json ? null : ProgressRenderer.auto(err);
      c.events(
          id,
          e -> {
            if (json) {
              err.println(e.data().toString());
              err.flush();
            } else {
              io.oci2vm.ProgressEvent p = toProgress(e);
              if (p != null) {
                r.onEvent(p);
              } else if (e.type().equals("state")) {
                r.onEvent(
                    new io.oci2vm.ProgressEvent.Step("state", "job " + id + ": " + e.state()));
              }
            }
          });
      if (r != null) {
        r.finish();
      }
    }
    return c.waitFor(id, Duration.ofDays(1));
  }

  /** A daemon event as the local progress event it was made from; null for state and end. */
  static io.oci2vm.ProgressEvent toProgress(JobEvent e) {
    try {
      return switch (e.type()) {
        case "step" -> new io.oci2vm.ProgressEvent.Step(e.stage(), e.message());
        case "layer" ->
            new io.oci2vm.ProgressEvent.LayerProgress(
                io.oci2vm.Digest.parse(e.layer()),
                io.oci2vm.ProgressEvent.Phase.valueOf(e.data().path("phase").asText()),
                e.done(),
                e.total());
        default -> null;
      };
    } catch (RuntimeException bad) {
      return null; // a newer daemon's event this client does not know
    }
  }

  static void printEvent(PrintWriter err, JobEvent e) {
    switch (e.type()) {
      case "state" -> err.println("state: " + e.state());
      case "step" -> err.println(e.message());
      case "layer" -> {
        String phase = e.data().path("phase").asText().toLowerCase(Locale.ROOT);
        err.printf(
            "%s: %s %s%n",
            shortLayer(e.layer()), phase, Format.bytes(e.total() >= 0 ? e.total() : e.done()));
      }
      default -> {}
    }
    err.flush();
  }

  private static String shortLayer(String digest) {
    String hex = digest == null ? "" : digest.replaceFirst("^sha256:", "");
    return hex.length() > 12 ? hex.substring(0, 12) : hex;
  }

  /** {@code oci2vm status ID}. */
  @Command(name = "status", mixinStandardHelpOptions = true, description = "Prints a job.")
  static final class Status implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin RemoteOptions remote;

    @Parameters(index = "0", paramLabel = "ID")
    String id;

    @Option(names = "--json", description = "As JSON.")
    boolean json;

    @Override
    public Integer call() {
      try (Oci2vmClient c = remote.client()) {
        Job j = c.get(id);
        if (json) {
          printJson(spec.commandLine().getOut(), j);
        } else {
          printJob(spec.commandLine().getOut(), j);
        }
        return 0;
      }
    }
  }

  /** {@code oci2vm wait ID}. */
  @Command(
      name = "wait",
      mixinStandardHelpOptions = true,
      description = "Waits for a job to finish; exit status 0 if it succeeded, 1 otherwise.")
  static final class Wait implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin RemoteOptions remote;

    @Parameters(index = "0", paramLabel = "ID")
    String id;

    @Option(
        names = "--timeout",
        paramLabel = "SECONDS",
        defaultValue = "86400",
        description = "Give up after this long (default: a day).")
    long timeout;

    @Option(
        names = {"-q", "--quiet"},
        description = "No progress.")
    boolean quiet;

    @Option(names = "--json", description = "Print the finished job as JSON.")
    boolean json;

    @Override
    public Integer call() {
      try (Oci2vmClient c = remote.client()) {
        Job j = c.waitFor(id, Duration.ofSeconds(timeout));
        if (json) {
          printJson(spec.commandLine().getOut(), j);
        } else if (!quiet) {
          printJob(spec.commandLine().getOut(), j);
        }
        return exitFor(j);
      }
    }
  }

  /** {@code oci2vm logs ID}. */
  @Command(
      name = "logs",
      mixinStandardHelpOptions = true,
      description = "Prints a job's progress events as they happen, until it ends.")
  static final class Logs implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin RemoteOptions remote;

    @Parameters(index = "0", paramLabel = "ID")
    String id;

    @Option(names = "--json", description = "One JSON object per event.")
    boolean json;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try (Oci2vmClient c = remote.client()) {
        c.events(
            id,
            e -> {
              if (json) {
                out.println(e.data().toString());
                out.flush();
              } else {
                printEvent(out, e);
              }
            });
        return 0;
      }
    }
  }

  /** {@code oci2vm download ID [NAME...]}. */
  @Command(
      name = "download",
      mixinStandardHelpOptions = true,
      description = {
        "Downloads a finished job's artifacts (all, or the NAMEs given) into a directory,",
        "resuming partial downloads and checking each file's sha256."
      })
  static final class Download implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin RemoteOptions remote;

    @Parameters(index = "0", paramLabel = "ID")
    String id;

    @Parameters(index = "1..*", paramLabel = "NAME", description = "Artifact names (default: all).")
    List<String> names = new ArrayList<>();

    @Option(
        names = {"-o", "--output"},
        paramLabel = "DIR",
        defaultValue = ".",
        description = "Where to put them (default: here).")
    Path dir;

    @Option(
        names = {"-q", "--quiet"},
        description = "Print nothing but errors.")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      try (Oci2vmClient c = remote.client()) {
        Job j = c.get(id);
        List<Artifact> todo =
            j.artifacts().stream()
                .filter(a -> names.isEmpty() || names.contains(a.name()))
                .toList();
        if (todo.isEmpty()) {
          throw new io.oci2vm.Oci2vmException(
              io.oci2vm.ErrorCode.NOT_FOUND,
              "job "
                  + id
                  + " ("
                  + j.state()
                  + ") has no "
                  + (names.isEmpty() ? "artifacts" : "artifact " + names));
        }
        for (Artifact a : todo) {
          Path base = dir.toAbsolutePath().normalize();
          Path target = base.resolve(a.name()).normalize();
          if (!target.startsWith(base) || target.equals(base)) {
            throw new io.oci2vm.Oci2vmException(
                io.oci2vm.ErrorCode.UNSAFE_PATH, "artifact name " + a.name());
          }
          Files.createDirectories(target.getParent());
          c.download(id, a.name(), target);
          if (!quiet) {
            out.printf("%10s  %s  %s%n", Format.bytes(a.size()), a.sha256(), target);
          }
        }
        return 0;
      }
    }
  }

  /** {@code oci2vm ls}. */
  @Command(
      name = "ls",
      mixinStandardHelpOptions = true,
      description = "Lists the daemon's jobs, newest first.")
  static final class Ls implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin RemoteOptions remote;

    @Option(names = "--state", paramLabel = "STATE", description = "Only these states; repeatable.")
    List<String> states = new ArrayList<>();

    @Option(names = "--image", paramLabel = "TEXT", description = "Only images containing this.")
    String image;

    @Option(
        names = {"-n", "--limit"},
        paramLabel = "N",
        defaultValue = "50",
        description = "At most N (default 50).")
    int limit;

    @Option(names = "--json", description = "As JSON.")
    boolean json;

    @Override
    public Integer call() {
      EnumSet<JobState> st = EnumSet.noneOf(JobState.class);
      for (String s : states) {
        try {
          st.add(JobState.valueOf(s.toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
          throw new io.oci2vm.Oci2vmException(io.oci2vm.ErrorCode.BAD_OPTION, "unknown state " + s);
        }
      }
      try (Oci2vmClient c = remote.client()) {
        JobQuery q = JobQuery.all().limit(limit);
        if (!st.isEmpty()) {
          q = q.states(st.toArray(new JobState[0]));
        }
        if (image != null) {
          q = q.image(image);
        }
        JobPage page = c.list(q);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
          printJson(out, page);
        } else {
          out.printf("%-27s  %-9s  %-20s  %s%n", "ID", "STATE", "CREATED", "IMAGE");
          for (Job j : page.items()) {
            out.printf(
                "%-27s  %-9s  %-20s  %s%n",
                j.id(),
                j.state(),
                j.created().toString().replaceAll("\\.\\d+Z$", "Z"),
                j.request().image());
          }
        }
        return 0;
      }
    }
  }

  /** {@code oci2vm cancel ID}. */
  @Command(
      name = "cancel",
      mixinStandardHelpOptions = true,
      description = "Cancels a queued or running job.")
  static final class Cancel implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin RemoteOptions remote;

    @Parameters(index = "0", paramLabel = "ID")
    String id;

    @Override
    public Integer call() {
      try (Oci2vmClient c = remote.client()) {
        printJob(spec.commandLine().getOut(), c.cancel(id));
        return 0;
      }
    }
  }
}
