package io.oci2vm.internal.disk.fat;

import io.oci2vm.internal.disk.FsEntry;
import io.oci2vm.internal.flatten.FileType;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A checked copy of the tree to be written, with each entry's short name, whether it needs long
 * name entries, and (after {@link #allocate}) where its clusters are.
 */
final class FatTree {
  /** A directory holds at most 65536 entries of 32 bytes (2 MiB). */
  static final int MAX_DIR_SLOTS = 65536;

  /** The largest size a FAT directory entry can record. */
  static final long MAX_FILE_SIZE = 0xFFFFFFFFL;

  /** One file or directory. */
  static final class Node {
    final FsEntry entry;
    final String shortKey;

    /** The long name, or null when the short name says it all. */
    final String longName;

    final List<Node> children = new ArrayList<>();
    long firstCluster;
    long clusterCount;

    Node(FsEntry entry, String shortKey, String longName) {
      this.entry = entry;
      this.shortKey = shortKey;
      this.longName = longName;
    }

    boolean isDirectory() {
      return entry.isDirectory();
    }

    /** The 32-byte slots this directory's own entries take. */
    int slots(boolean isRoot, boolean hasLabel) {
      int n = isRoot ? (hasLabel ? 1 : 0) : 2; // volume label, or "." and ".."
      for (Node c : children) {
        n += 1 + (c.longName == null ? 0 : FatNames.longEntryCount(c.longName));
      }
      return n;
    }
  }

  final Node root;
  final boolean hasLabel;

  private FatTree(Node root, boolean hasLabel) {
    this.root = root;
    this.hasLabel = hasLabel;
  }

  /** Checks the tree and gives every entry its names; throws IllegalArgumentException. */
  static FatTree of(FsEntry root, boolean hasLabel) {
    if (!root.isDirectory()) {
      throw new IllegalArgumentException("the root of a FAT tree must be a directory");
    }
    Node top = new Node(root, null, null);
    addChildren(top, "");
    FatTree tree = new FatTree(top, hasLabel);
    tree.checkSlots(top, true);
    return tree;
  }

  private static void addChildren(Node dir, String path) {
    List<FsEntry> kids = dir.entry.children();
    Set<String> folded = new HashSet<>();
    Set<String> taken = new HashSet<>();
    for (FsEntry e : kids) {
      String where = path + "/" + e.name();
      if (e.type() != FileType.REGULAR && e.type() != FileType.DIRECTORY) {
        throw new IllegalArgumentException(
            "FAT holds only regular files and directories, not " + e.type() + ": " + where);
      }
      if (e.type() == FileType.REGULAR && (e.size() < 0 || e.size() > MAX_FILE_SIZE)) {
        throw new IllegalArgumentException("FAT files must be under 4 GiB: " + where);
      }
      FatNames.checkLongName(e.name());
      // FAT compares names without case, so "a" and "A" would be one file.
      if (!folded.add(e.name().toUpperCase(Locale.ROOT))) {
        throw new IllegalArgumentException("names differ only in case on FAT: " + where);
      }
      if (FatNames.isShortName(e.name())) {
        taken.add(FatNames.shortKey(e.name()));
      }
    }
    // Exact 8.3 names are reserved first, so a generated "~1" name never takes one of them.
    for (FsEntry e : kids) {
      Node n =
          FatNames.isShortName(e.name())
              ? new Node(e, FatNames.shortKey(e.name()), null)
              : new Node(e, FatNames.generateShortKey(e.name(), taken), e.name());
      dir.children.add(n);
      if (n.isDirectory()) {
        addChildren(n, path + "/" + e.name());
      }
    }
  }

  private void checkSlots(Node dir, boolean isRoot) {
    if (dir.slots(isRoot, hasLabel) > MAX_DIR_SLOTS) {
      throw new IllegalArgumentException(
          "a FAT directory holds at most 65536 entries, long names included: " + dir.entry.name());
    }
    for (Node c : dir.children) {
      if (c.isDirectory()) {
        checkSlots(c, false);
      }
    }
  }

  /** The clusters this tree takes with clusters of {@code clusterBytes}. */
  long clustersNeeded(int clusterBytes) {
    return count(root, true, clusterBytes);
  }

  private long count(Node n, boolean isRoot, int clusterBytes) {
    long total = clustersOf(n, isRoot, clusterBytes);
    for (Node c : n.children) {
      total += c.isDirectory() ? count(c, false, clusterBytes) : clustersOf(c, false, clusterBytes);
    }
    return total;
  }

  private long clustersOf(Node n, boolean isRoot, int clusterBytes) {
    if (n.isDirectory()) {
      // Even an empty directory owns one cluster (the root must have one to exist at all).
      long bytes = 32L * n.slots(isRoot, hasLabel);
      return Math.max(1, FatGeometry.ceilDiv(bytes, clusterBytes));
    }
    return FatGeometry.ceilDiv(n.entry.size(), clusterBytes);
  }

  /**
   * Gives every node a contiguous run of clusters: the root first (so it starts at cluster 2), then
   * each directory's children in name order, then their subdirectories' contents.
   *
   * @return the first cluster left free
   */
  long allocate(int clusterBytes) {
    long next = 2;
    root.firstCluster = next;
    root.clusterCount = clustersOf(root, true, clusterBytes);
    next += root.clusterCount;
    List<Node> dirs = new ArrayList<>(List.of(root));
    for (int i = 0; i < dirs.size(); i++) {
      for (Node c : dirs.get(i).children) {
        c.clusterCount = clustersOf(c, false, clusterBytes);
        c.firstCluster = c.clusterCount == 0 ? 0 : next;
        next += c.clusterCount;
        if (c.isDirectory()) {
          dirs.add(c);
        }
      }
    }
    return next;
  }
}
