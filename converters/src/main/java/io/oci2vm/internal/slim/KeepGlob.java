package io.oci2vm.internal.slim;

import io.oci2vm.ErrorCode;
import io.oci2vm.Oci2vmException;
import java.util.regex.Pattern;

/**
 * A user keep pattern over absolute image paths: {@code *} and {@code ?} stay within one path
 * component, {@code **} crosses components, {@code [abc]} is a class. A pattern that matches a
 * directory keeps everything under it.
 */
final class KeepGlob {
  private final String glob;
  private final Pattern regex;

  KeepGlob(String glob) {
    if (glob == null || !glob.startsWith("/")) {
      throw new Oci2vmException(
          ErrorCode.BAD_OPTION,
          "keep pattern '" + glob + "' must be an absolute path, like /etc/**");
    }
    this.glob = glob;
    this.regex =
        Pattern.compile(
            toRegex(
                glob.length() > 1 && glob.endsWith("/")
                    ? glob.substring(0, glob.length() - 1)
                    : glob));
  }

  String glob() {
    return glob;
  }

  boolean matches(String path) {
    return regex.matcher(path).matches();
  }

  private static String toRegex(String glob) {
    StringBuilder re = new StringBuilder();
    for (int i = 0; i < glob.length(); i++) {
      char c = glob.charAt(i);
      switch (c) {
        case '*':
          if (i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
            i++;
            if (i + 1 < glob.length() && glob.charAt(i + 1) == '/') {
              // "/**/" also matches a single "/"
              i++;
              re.append("(?:.*/)?");
            } else {
              re.append(".*");
            }
          } else {
            re.append("[^/]*");
          }
          break;
        case '?':
          re.append("[^/]");
          break;
        case '[':
          int close = glob.indexOf(']', i + 1);
          if (close < 0) {
            throw new Oci2vmException(
                ErrorCode.BAD_OPTION, "keep pattern '" + glob + "' has an unclosed '['");
          }
          String cls = glob.substring(i + 1, close);
          if (cls.startsWith("!")) {
            cls = "^" + cls.substring(1);
          }
          re.append('[').append(cls.replace("\\", "\\\\")).append(']');
          i = close;
          break;
        default:
          re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return re.toString();
  }
}
