package io.oci2vm.daemon.hooks;

import java.util.regex.Pattern;

/**
 * Globs over slash-separated names: {@code *} and {@code ?} stay within one path segment, {@code
 * **} crosses segments, and {@code **}{@code /} also matches no segment at all (so {@code **}{@code
 * /app} matches {@code app}). Everything else matches itself.
 */
final class Glob {
  private Glob() {}

  /**
   * Compiles a glob to an anchored pattern.
   *
   * @throws IllegalArgumentException for an empty glob
   */
  static Pattern compile(String glob) {
    if (glob == null || glob.isEmpty()) {
      throw new IllegalArgumentException("a glob must not be empty");
    }
    StringBuilder re = new StringBuilder();
    StringBuilder literal = new StringBuilder();
    int i = 0;
    while (i < glob.length()) {
      char c = glob.charAt(i);
      if (c != '*' && c != '?') {
        literal.append(c);
        i++;
        continue;
      }
      if (!literal.isEmpty()) {
        re.append(Pattern.quote(literal.toString()));
        literal.setLength(0);
      }
      if (c == '?') {
        re.append("[^/]");
        i++;
      } else if (glob.startsWith("**/", i)) {
        re.append("(?:.*/)?");
        i += 3;
      } else if (glob.startsWith("**", i)) {
        re.append(".*");
        i += 2;
      } else {
        re.append("[^/]*");
        i++;
      }
    }
    if (!literal.isEmpty()) {
      re.append(Pattern.quote(literal.toString()));
    }
    return Pattern.compile(re.toString());
  }
}
