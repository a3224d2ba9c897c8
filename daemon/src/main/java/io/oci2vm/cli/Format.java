package io.oci2vm.cli;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/** Human-readable sizes, durations and lists. */
final class Format {
  private Format() {}

  static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = n;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(v >= 100 ? "%.0f %s" : "%.1f %s", v, units[u]);
  }

  static String seconds(Duration d) {
    return String.format("%.2f s", d.toNanos() / 1e9);
  }

  static String argv(List<String> argv) {
    return argv.isEmpty()
        ? "(none)"
        : argv.stream().map(Format::quote).collect(Collectors.joining(", ", "[", "]"));
  }

  static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
