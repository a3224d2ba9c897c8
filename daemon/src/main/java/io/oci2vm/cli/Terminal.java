package io.oci2vm.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * What stderr is connected to: whether progress may be redrawn in place, and how wide a line may
 * be.
 *
 * @param interactive stderr is a terminal that understands cursor movement
 * @param columns the terminal's width in characters
 */
record Terminal(boolean interactive, int columns) {
  /** The width when the environment does not say. */
  static final int DEFAULT_COLUMNS = 80;

  /** Needs room for an id, a status and a few characters of bar. */
  Terminal {
    if (columns < 20) {
      columns = DEFAULT_COLUMNS;
    }
  }

  /** This process's stderr. */
  static Terminal detect() {
    return of(System.getenv(), stderrIsTerminal());
  }

  /**
   * A terminal described by the environment: {@code TERM} unset or "dumb" means no cursor control;
   * {@code COLUMNS} gives the width (shells set it but seldom export it, hence the default).
   */
  static Terminal of(Map<String, String> env, boolean tty) {
    String term = env.get("TERM");
    boolean capable = tty && term != null && !term.isBlank() && !term.equals("dumb");
    int columns = DEFAULT_COLUMNS;
    try {
      columns = Integer.parseInt(env.getOrDefault("COLUMNS", "").trim());
    } catch (NumberFormatException e) {
      // keep the default
    }
    return new Terminal(capable, columns);
  }

  /**
   * On Linux, where fd 2 points says it exactly; elsewhere {@link System#console()}, which in Java
   * 17 means stdin and stdout are terminals, is the best guess.
   */
  private static boolean stderrIsTerminal() {
    try {
      String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
      return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return System.console() != null;
    }
  }
}
