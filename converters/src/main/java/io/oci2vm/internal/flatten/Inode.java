package io.oci2vm.internal.flatten;

import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;

/**
 * A file's metadata and where its content lives. Several {@link Node}s share one inode when they
 * are hard links. Content is not copied: {@link #entry} points into the cached layer tar.
 */
public final class Inode {
  final FileType type;
  int mode;
  long uid;
  long gid;
  FileTime mtime;
  final long size;
  final String linkTarget;
  final int devMajor;
  final int devMinor;
  final Map<String, String> xattrs;

  /** The layer whose tar holds the content, for regular files; -1 otherwise. */
  final int layer;

  /** The tar entry holding the content, for regular files; null otherwise. */
  final TarArchiveEntry entry;

  /** How many paths in the tree point at this inode. */
  int links;

  Inode(
      FileType type,
      int mode,
      long uid,
      long gid,
      FileTime mtime,
      long size,
      String linkTarget,
      int devMajor,
      int devMinor,
      Map<String, String> xattrs,
      int layer,
      TarArchiveEntry entry) {
    this.type = type;
    this.mode = mode;
    this.uid = uid;
    this.gid = gid;
    this.mtime = mtime;
    this.size = size;
    this.linkTarget = linkTarget;
    this.devMajor = devMajor;
    this.devMinor = devMinor;
    this.xattrs = new TreeMap<>(xattrs);
    this.layer = layer;
    this.entry = entry;
  }

  public FileType type() {
    return type;
  }

  /** Permission bits with setuid, setgid and sticky (07777). */
  public int mode() {
    return mode;
  }

  public long uid() {
    return uid;
  }

  public long gid() {
    return gid;
  }

  public FileTime mtime() {
    return mtime;
  }

  /** Content size for regular files, 0 otherwise. */
  public long size() {
    return size;
  }

  /** The symlink target, for symlinks. */
  public String linkTarget() {
    return linkTarget;
  }

  public int devMajor() {
    return devMajor;
  }

  public int devMinor() {
    return devMinor;
  }

  /** Extended attributes, sorted by name. */
  public Map<String, String> xattrs() {
    return xattrs;
  }

  /** How many paths share this inode. */
  public int links() {
    return links;
  }

  public boolean isDirectory() {
    return type == FileType.DIRECTORY;
  }

  public boolean isRegular() {
    return type == FileType.REGULAR;
  }

  public boolean isSymlink() {
    return type == FileType.SYMLINK;
  }
}
