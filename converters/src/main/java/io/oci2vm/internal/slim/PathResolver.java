package io.oci2vm.internal.slim;

import io.oci2vm.internal.flatten.Node;
import io.oci2vm.internal.flatten.RootFs;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Resolves paths inside the image the way the kernel would inside a chroot: symlinks followed, ".."
 * clamped at the root, at most 40 hops. It reports the symlinks it passed, since a slimmed image
 * must keep them for the path to keep working.
 */
public final class PathResolver {
  private static final int MAX_HOPS = 40;

  private final RootFs fs;

  public PathResolver(RootFs fs) {
    this.fs = fs;
  }

  /** The outcome: the node reached (null if none) and the symlinks passed on the way. */
  public record Resolution(Node node, List<Node> symlinks) {}

  /** Resolves an absolute path, following a final symlink too. */
  public Resolution resolve(String path) {
    return resolve(fs.root(), path);
  }

  /** Resolves {@code path} relative to directory {@code from} (absolute paths start at root). */
  public Resolution resolve(Node from, String path) {
    List<Node> symlinks = new ArrayList<>();
    Deque<String> rest = new ArrayDeque<>();
    push(rest, path);
    Node cur = path.startsWith("/") ? fs.root() : from;
    int hops = 0;
    while (!rest.isEmpty()) {
      String part = rest.pop();
      if (part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        cur = cur.parent() == null ? cur : cur.parent();
        continue;
      }
      if (!cur.inode().isDirectory()) {
        return new Resolution(null, symlinks);
      }
      Node next = cur.child(part);
      if (next == null) {
        return new Resolution(null, symlinks);
      }
      if (next.inode().isSymlink()) {
        if (++hops > MAX_HOPS) {
          return new Resolution(null, symlinks);
        }
        symlinks.add(next);
        String target = next.inode().linkTarget();
        push(rest, target);
        if (target.startsWith("/")) {
          cur = fs.root();
        }
        continue;
      }
      cur = next;
    }
    return new Resolution(cur, symlinks);
  }

  private static void push(Deque<String> rest, String path) {
    String[] parts = path.split("/");
    for (int i = parts.length - 1; i >= 0; i--) {
      if (!parts[i].isEmpty()) {
        rest.push(parts[i]);
      }
    }
  }

  /** Joins a directory path and a name without doubling slashes. */
  public static String join(String dir, String name) {
    return dir.endsWith("/") ? dir + name : dir + "/" + name;
  }
}
