package io.oci2vm.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** How a long-running command talks: progress, summary or JSON. Shared by convert and rootfs. */
final class OutputOptions {
  @Option(
      names = {"-q", "--quiet"},
      description = "Print nothing but errors (with --json, only the result object).")
  boolean quiet;

  @Option(
      names = "--json",
      description =
          "Machine-readable output: the result as one JSON object on stdout; progress and errors"
              + " ({\"error\":{\"code\",\"message\"}}) as JSON lines on stderr.")
  boolean json;

  @Option(
      names = "--progress",
      paramLabel = "MODE",
      converter = ProgressMode.Converter.class,
      description =
          "auto (bars on a terminal, else plain), tty (bars redrawn in place), plain (a line per"
              + " step and layer phase), json or none (default: auto; json with --json).")
  ProgressMode progress;

  /** The renderer these options and this process's stderr call for. */
  ProgressRenderer renderer(PrintWriter err) {
    return renderer(err, Terminal.detect());
  }

  /** The renderer these options call for on the given terminal. */
  ProgressRenderer renderer(PrintWriter err, Terminal terminal) {
    if (quiet) {
      return ProgressRenderer.NONE;
    }
    ProgressMode mode = progress != null ? progress : json ? ProgressMode.JSON : ProgressMode.AUTO;
    return ProgressRenderer.of(mode, err, terminal);
  }

  /** Whether the human summary is wanted on stdout. */
  boolean summary() {
    return !quiet && !json;
  }

  /** An error as the one JSON line {@code --json} writes on stderr. */
  static String errorJson(String code, String message) {
    Map<String, String> error = new LinkedHashMap<>();
    error.put("code", code);
    error.put("message", message);
    return JsonProgress.line(Map.of("error", error));
  }
}
