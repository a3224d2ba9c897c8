package io.oci2vm.internal.disk.ext4;

import io.oci2vm.ErrorCode;
import io.oci2vm.Oci2vmException;
import io.oci2vm.internal.disk.FsEntry;
import io.oci2vm.internal.flatten.FileType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tree's inodes in number order, with their link counts, directory entries and the most blocks
 * each can take. Inode numbers follow a depth-first walk, so a directory's files sit next to it,
 * and data is later allocated in the same order. Holds names but never file content.
 */
final class TreePlan {
  static final int ROOT_INO = 2;
  static final int LOST_FOUND_INO = 11;
  static final String LOST_FOUND = "lost+found";

  /** mke2fs gives lost+found 16 KiB so e2fsck can reconnect files without allocating. */
  static final int LOST_FOUND_BLOCKS = 4;

  /** Longest symlink target the kernel accepts (PATH_MAX less the terminating NUL). */
  static final int MAX_SYMLINK = Layout.BLOCK - 1;

  static final int FAST_SYMLINK_MAX = 59;

  /** ext4's link limit; above it a directory's link count is 1 (the dir_nlink feature). */
  private static final int LINK_MAX = 65000;

  /** One inode: its first name's entry, link count and, for a directory, its entries. */
  static final class Node {
    final long ino;
    final FsEntry entry;
    int links;
    int minBlocks;
    List<Directories.Entry> entries;

    Node(long ino, FsEntry entry) {
      this.ino = ino;
      this.entry = entry;
    }
  }

  private final List<Node> nodes = new ArrayList<>();
  private final Map<Object, Node> byInode = new IdentityHashMap<>();
  private long nextIno = LOST_FOUND_INO + 1;
  private long reserveBlocks;

  private TreePlan() {}

  /** Plans {@code root}; a root directory named lost+found becomes inode 11. */
  static TreePlan of(FsEntry root, long timestamp) {
    if (!root.isDirectory()) {
      throw new IllegalArgumentException("the root of an ext4 tree must be a directory");
    }
    TreePlan p = new TreePlan();
    Node rootNode = p.add(ROOT_INO, root);
    FsEntry lf = root.child(LOST_FOUND);
    if (lf == null || !lf.isDirectory()) {
      // e2fsck insists on a lost+found directory, so one that is not a directory is left out.
      lf = FsEntry.directory(LOST_FOUND, 0700, 0, 0, timestamp);
    }
    Node lfNode = p.add(LOST_FOUND_INO, lf);
    lfNode.minBlocks = LOST_FOUND_BLOCKS;
    p.walk(rootNode, rootNode, lfNode);
    p.walk(lfNode, rootNode, null);
    p.nodes.sort((a, b) -> Long.compare(a.ino, b.ino));
    for (Node n : p.nodes) {
      p.reserveBlocks += reserve(n);
    }
    return p;
  }

  /** Inodes in number order. */
  List<Node> nodes() {
    return nodes;
  }

  /** The highest inode number in use; all below it are used or reserved. */
  long lastIno() {
    return nextIno - 1;
  }

  /** The most data, directory, symlink, extent-tree and xattr blocks the tree can take. */
  long reserveBlocks() {
    return reserveBlocks;
  }

  private Node add(long ino, FsEntry e) {
    Node n = new Node(ino, e);
    n.links = 1;
    nodes.add(n);
    return n;
  }

  private void walk(Node dir, Node parent, Node lostFound) {
    List<Directories.Entry> entries = new ArrayList<>();
    entries.add(new Directories.Entry(bytes("."), dir.ino, Directories.FT_DIR));
    entries.add(new Directories.Entry(bytes(".."), parent.ino, Directories.FT_DIR));
    int subdirs = 0;
    boolean hasLostFound = false;
    for (FsEntry child : dir.entry.children()) {
      Node n;
      if (lostFound != null && child.name().equals(LOST_FOUND)) {
        if (!child.isDirectory()) {
          continue;
        }
        n = lostFound;
        hasLostFound = true;
      } else {
        n = byInode.get(child.inode());
        if (n == null || child.isDirectory()) {
          n = add(nextIno++, child);
          byInode.put(child.inode(), n);
          if (child.isDirectory()) {
            walk(n, dir, null);
          }
        } else if (++n.links > LINK_MAX) {
          throw new Oci2vmException(
              ErrorCode.LIMIT_EXCEEDED,
              child.name() + " has more than " + LINK_MAX + " hard links, ext4's limit");
        }
      }
      if (child.isDirectory()) {
        subdirs++;
      }
      entries.add(new Directories.Entry(name(child), n.ino, fileType(child.type())));
    }
    if (lostFound != null && !hasLostFound) {
      entries.add(new Directories.Entry(bytes(LOST_FOUND), lostFound.ino, Directories.FT_DIR));
      subdirs++;
    }
    dir.entries = entries;
    dir.links = 2 + subdirs > LINK_MAX ? 1 : 2 + subdirs;
  }

  private static long reserve(Node n) {
    FsEntry e = n.entry;
    long blocks =
        switch (e.type()) {
          case REGULAR -> Layout.ceilDiv(e.size(), Layout.BLOCK);
          case DIRECTORY -> Math.max(n.minBlocks, Directories.blockCount(n.entries));
          case SYMLINK -> symlinkTarget(e).length > FAST_SYMLINK_MAX ? 1 : 0;
          default -> 0;
        };
    blocks += ExtentTree.worstCaseTreeBlocks(blocks);
    if (Xattrs.encode(e.xattrs()).block() != null) {
      blocks++;
    }
    return blocks;
  }

  static byte[] symlinkTarget(FsEntry e) {
    byte[] target = bytes(e.linkTarget() == null ? "" : e.linkTarget());
    if (target.length == 0 || target.length > MAX_SYMLINK) {
      throw new Oci2vmException(
          ErrorCode.LIMIT_EXCEEDED,
          "symlink "
              + e.name()
              + " has a target of "
              + target.length
              + " bytes; ext4 takes 1 to "
              + MAX_SYMLINK);
    }
    return target;
  }

  private static byte[] name(FsEntry e) {
    byte[] name = bytes(e.name());
    if (name.length == 0 || name.length > 255) {
      throw new Oci2vmException(
          ErrorCode.LIMIT_EXCEEDED,
          "file name of " + name.length + " bytes does not fit ext4's 255: " + e.name());
    }
    return name;
  }

  static int fileType(FileType t) {
    return switch (t) {
      case REGULAR -> Directories.FT_REG;
      case DIRECTORY -> Directories.FT_DIR;
      case SYMLINK -> Directories.FT_SYMLINK;
      case CHAR_DEVICE -> Directories.FT_CHR;
      case BLOCK_DEVICE -> Directories.FT_BLK;
      case FIFO -> Directories.FT_FIFO;
    };
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
