package io.oci2vm.internal.disk.fat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.regex.Pattern;

/** FAT names: the 8.3 short name every entry has and the VFAT long-name entries before it. */
final class FatNames {
  /** VFAT's limit, in UTF-16 code units. */
  static final int MAX_LONG_NAME = 255;

  private static final int CHARS_PER_LFN = 13;
  private static final String SHORT_CHARS = "$%'-_@~`!(){}^#&";
  private static final Pattern SHORT =
      Pattern.compile("[A-Z0-9$%'\\-_@~`!(){}^#&]{1,8}(\\.[A-Z0-9$%'\\-_@~`!(){}^#&]{1,3})?");
  // Offsets of the 13 UTF-16 code units inside a long-name entry.
  private static final int[] LFN_CHAR_OFFSETS = {1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30};

  private FatNames() {}

  /** Rejects names that no FAT implementation can store or that Windows would alter. */
  static void checkLongName(String name) {
    if (name.isEmpty() || name.equals(".") || name.equals("..")) {
      throw new IllegalArgumentException("invalid FAT name: '" + name + "'");
    }
    if (name.length() > MAX_LONG_NAME) {
      throw new IllegalArgumentException("FAT name longer than 255 characters: " + name);
    }
    // Windows strips trailing dots and spaces, so such a name could not be opened by its name.
    if (name.endsWith(".") || name.endsWith(" ")) {
      throw new IllegalArgumentException("FAT name ends with a dot or space: '" + name + "'");
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c < 0x20 || "\"*/:<>?\\|".indexOf(c) >= 0) {
        throw new IllegalArgumentException("FAT name holds a forbidden character: " + name);
      }
    }
  }

  /** Whether {@code name} is already a valid upper-case 8.3 name, so it needs no long name. */
  static boolean isShortName(String name) {
    return SHORT.matcher(name).matches();
  }

  /** The 11-byte directory form of a valid 8.3 name ("A.TXT" becomes "A TXT"). */
  static String shortKey(String name) {
    int dot = name.indexOf('.');
    String base = dot < 0 ? name : name.substring(0, dot);
    String ext = dot < 0 ? "" : name.substring(dot + 1);
    return pad(base, 8) + pad(ext, 3);
  }

  /**
   * A unique short name for a long name, in the Windows style: upper-cased, unusable characters
   * replaced, base cut to leave room for a "~N" tail. Adds the result to {@code taken}.
   */
  static String generateShortKey(String name, Set<String> taken) {
    StringBuilder clean = new StringBuilder();
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == ' ' || (c == '.' && clean.length() == 0)) {
        continue;
      }
      char u = (c >= 'a' && c <= 'z') ? (char) (c - 32) : c;
      boolean ok = (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '.';
      clean.append(ok || SHORT_CHARS.indexOf(u) >= 0 ? u : '_');
    }
    int dot = clean.lastIndexOf(".");
    String base = (dot < 0 ? clean.toString() : clean.substring(0, dot)).replace(".", "");
    String ext = dot < 0 ? "" : clean.substring(dot + 1);
    if (base.isEmpty()) {
      base = "_";
    }
    ext = ext.substring(0, Math.min(3, ext.length()));
    for (int n = 1; n < 1_000_000; n++) {
      String tail = "~" + n;
      String key = pad(base.substring(0, Math.min(base.length(), 8 - tail.length())) + tail, 8);
      key += pad(ext, 3);
      if (taken.add(key)) {
        return key;
      }
    }
    throw new IllegalArgumentException("too many similar names in one directory: " + name);
  }

  /** The checksum of an 11-byte short name that ties long-name entries to it. */
  static int checksum(byte[] shortName) {
    int sum = 0;
    for (int i = 0; i < 11; i++) {
      sum = (((sum & 1) << 7) + (sum >> 1) + (shortName[i] & 0xff)) & 0xff;
    }
    return sum;
  }

  /** The 11 ASCII bytes of a short-name key. */
  static byte[] bytes(String key) {
    return key.getBytes(StandardCharsets.US_ASCII);
  }

  /** How many 32-byte long-name entries {@code name} takes. */
  static int longEntryCount(String name) {
    return (name.length() + CHARS_PER_LFN - 1) / CHARS_PER_LFN;
  }

  /** Puts the long-name entries for {@code name}, last part first as the format requires. */
  static void putLongEntries(ByteBuffer dir, String name, int checksum) {
    int count = longEntryCount(name);
    for (int ord = count; ord >= 1; ord--) {
      int start = dir.position();
      dir.put(start, (byte) (ord == count ? ord | 0x40 : ord));
      dir.put(start + 11, (byte) 0x0F); // attribute: read-only|hidden|system|volume = long name
      dir.put(start + 13, (byte) checksum);
      for (int i = 0; i < CHARS_PER_LFN; i++) {
        int at = (ord - 1) * CHARS_PER_LFN + i;
        // The name ends with one NUL if it does not fill the entry; the rest is 0xFFFF.
        int c = at < name.length() ? name.charAt(at) : at == name.length() ? 0 : 0xFFFF;
        dir.putShort(start + LFN_CHAR_OFFSETS[i], (short) c);
      }
      dir.position(start + 32);
    }
  }

  private static String pad(String s, int width) {
    return s + " ".repeat(width - s.length());
  }
}
