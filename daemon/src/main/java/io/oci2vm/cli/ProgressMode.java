package io.oci2vm.cli;

import java.util.Locale;
import picocli.CommandLine;

/** How progress is shown: the value of {@code --progress}. */
enum ProgressMode {
  /** Bars on a terminal, plain lines otherwise. */
  AUTO,
  /** Bars redrawn in place with ANSI escapes, docker pull style. */
  TTY,
  /** One line per step and per layer phase change; for logs and CI. */
  PLAIN,
  /** One JSON object per line. */
  JSON,
  /** Nothing. */
  NONE;

  /** The mode to use on the given terminal: AUTO becomes TTY or PLAIN. */
  ProgressMode on(Terminal terminal) {
    return this != AUTO ? this : terminal.interactive() ? TTY : PLAIN;
  }

  /** Reads {@code auto}, {@code tty}, ... in any case; a wrong value is a usage error. */
  static final class Converter implements CommandLine.ITypeConverter<ProgressMode> {
    @Override
    public ProgressMode convert(String value) {
      try {
        return valueOf(value.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(
            "'" + value + "' is not one of auto, tty, plain, json, none");
      }
    }
  }
}
