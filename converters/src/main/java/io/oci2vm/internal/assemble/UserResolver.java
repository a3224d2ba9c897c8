package io.oci2vm.internal.assemble;

import io.oci2vm.ErrorCode;
import io.oci2vm.Oci2vmException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Resolves a Docker User spec ({@code name}, {@code uid}, {@code name:group}, {@code uid:gid})
 * against the image's /etc/passwd and /etc/group, as container runtimes do: a name must exist; a
 * number need not; supplementary groups are the groups listing the user.
 */
final class UserResolver {
  /** A resolved identity. */
  record Identity(long uid, long gid, List<Long> groups) {}

  private final String passwd;
  private final String group;

  UserResolver(ImageFiles files) {
    this.passwd = files.read("/etc/passwd");
    this.group = files.read("/etc/group");
  }

  Identity resolve(String spec) {
    if (spec == null || spec.isEmpty()) {
      spec = "0";
    }
    String userPart = spec;
    String groupPart = null;
    int colon = spec.indexOf(':');
    if (colon >= 0) {
      userPart = spec.substring(0, colon);
      groupPart = spec.substring(colon + 1);
    }
    long uid;
    long gid;
    String name = null;
    String[] entry = find(passwd, userPart, 0, 2);
    if (entry != null) {
      name = entry[0];
      uid = Long.parseLong(entry[2]);
      gid = entry.length > 3 && entry[3].matches("\\d+") ? Long.parseLong(entry[3]) : 0;
    } else if (userPart.matches("\\d+")) {
      uid = Long.parseLong(userPart);
      gid = uid == 0 ? 0 : uid;
      gid = groupPart == null ? 0 : gid;
    } else {
      throw new Oci2vmException(
          ErrorCode.BAD_OPTION,
          "user '"
              + userPart
              + "' is not in the image's /etc/passwd"
              + (passwd == null ? " (the image has none)" : "")
              + "; use a number or a user the image defines");
    }
    if (groupPart != null && !groupPart.isEmpty()) {
      String[] g = find(group, groupPart, 0, 2);
      if (g != null) {
        gid = Long.parseLong(g[2]);
      } else if (groupPart.matches("\\d+")) {
        gid = Long.parseLong(groupPart);
      } else {
        throw new Oci2vmException(
            ErrorCode.BAD_OPTION, "group '" + groupPart + "' is not in the image's /etc/group");
      }
    }
    Set<Long> groups = new LinkedHashSet<>();
    groups.add(gid);
    if (name != null && group != null) {
      for (String line : group.split("\n")) {
        String[] f = line.split(":", -1);
        if (f.length >= 4 && f[2].matches("\\d+")) {
          for (String member : f[3].split(",")) {
            if (member.trim().equals(name)) {
              groups.add(Long.parseLong(f[2]));
            }
          }
        }
      }
    }
    return new Identity(uid, gid, new ArrayList<>(groups));
  }

  /**
   * The entry whose name (field {@code nameField}) or id (field {@code idField}) is {@code key}.
   */
  private static String[] find(String file, String key, int nameField, int idField) {
    if (file == null) {
      return null;
    }
    for (String line : file.split("\n")) {
      String[] f = line.split(":", -1);
      if (f.length > idField && f[idField].matches("\\d+") && f[nameField].equals(key)) {
        return f;
      }
    }
    if (key.matches("\\d+")) {
      for (String line : file.split("\n")) {
        String[] f = line.split(":", -1);
        if (f.length > idField && f[idField].equals(key)) {
          return f;
        }
      }
    }
    return null;
  }
}
