package io.oci2vm.internal.disk;

import io.oci2vm.internal.flatten.FileType;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One name in a tree to be written into a filesystem (ext4 root, FAT ESP). Entries that share an
 * {@link #inode} object are hard links to one file. Children are kept sorted by name.
 */
public final class FsEntry {
  /** Supplies a regular file's content; opened once per write. */
  @FunctionalInterface
  public interface Content {
    InputStream open() throws IOException;

    static Content of(byte[] bytes) {
      return () -> new ByteArrayInputStream(bytes);
    }
  }

  private final String name;
  private final FileType type;
  private final int mode;
  private final long uid;
  private final long gid;
  private final long mtime;
  private final long size;
  private final String linkTarget;
  private final int devMajor;
  private final int devMinor;
  private final Map<String, byte[]> xattrs;
  private final Content content;
  private final Object inode;
  private final TreeMap<String, FsEntry> children;

  private FsEntry(
      String name,
      FileType type,
      int mode,
      long uid,
      long gid,
      long mtime,
      long size,
      String linkTarget,
      int devMajor,
      int devMinor,
      Map<String, byte[]> xattrs,
      Content content,
      Object inode) {
    if (name.contains("/") && !name.equals("/")) {
      throw new IllegalArgumentException("name holds a slash: " + name);
    }
    this.name = name;
    this.type = Objects.requireNonNull(type);
    this.mode = mode & 07777;
    this.uid = uid;
    this.gid = gid;
    this.mtime = mtime;
    this.size = size;
    this.linkTarget = linkTarget;
    this.devMajor = devMajor;
    this.devMinor = devMinor;
    this.xattrs = new TreeMap<>(xattrs);
    this.content = content;
    this.inode = inode == null ? new Object() : inode;
    this.children = type == FileType.DIRECTORY ? new TreeMap<>() : null;
  }

  /** A directory. */
  public static FsEntry directory(String name, int mode, long uid, long gid, long mtime) {
    return new FsEntry(
        name, FileType.DIRECTORY, mode, uid, gid, mtime, 0, null, 0, 0, Map.of(), null, null);
  }

  /**
   * A regular file of {@code size} bytes. Pass the same {@code inode} object for every name of a
   * hard-linked file (null for a file with one name).
   */
  public static FsEntry file(
      String name,
      int mode,
      long uid,
      long gid,
      long mtime,
      long size,
      Content content,
      Object inode) {
    return new FsEntry(
        name,
        FileType.REGULAR,
        mode,
        uid,
        gid,
        mtime,
        size,
        null,
        0,
        0,
        Map.of(),
        Objects.requireNonNull(content),
        inode);
  }

  /** A symbolic link. */
  public static FsEntry symlink(String name, String target, long uid, long gid, long mtime) {
    return new FsEntry(
        name, FileType.SYMLINK, 0777, uid, gid, mtime, 0, target, 0, 0, Map.of(), null, null);
  }

  /** A character or block device, or a FIFO (devices numbers ignored). */
  public static FsEntry special(
      String name, FileType type, int mode, long uid, long gid, long mtime, int major, int minor) {
    if (type != FileType.CHAR_DEVICE && type != FileType.BLOCK_DEVICE && type != FileType.FIFO) {
      throw new IllegalArgumentException("not a special file type: " + type);
    }
    return new FsEntry(
        name, type, mode, uid, gid, mtime, 0, null, major, minor, Map.of(), null, null);
  }

  /** A copy of this entry (without children) carrying {@code xattrs}. */
  public FsEntry withXattrs(Map<String, byte[]> xattrs) {
    return new FsEntry(
        name,
        type,
        mode,
        uid,
        gid,
        mtime,
        size,
        linkTarget,
        devMajor,
        devMinor,
        xattrs,
        content,
        inode);
  }

  /** Adds (or replaces) a child of this directory and returns the child. */
  public FsEntry add(FsEntry child) {
    if (children == null) {
      throw new IllegalStateException(name + " is not a directory");
    }
    children.put(child.name, child);
    return child;
  }

  public String name() {
    return name;
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

  /** Modification time in seconds since the epoch (may be negative). */
  public long mtime() {
    return mtime;
  }

  /** Content size for regular files, 0 otherwise. */
  public long size() {
    return size;
  }

  public String linkTarget() {
    return linkTarget;
  }

  public int devMajor() {
    return devMajor;
  }

  public int devMinor() {
    return devMinor;
  }

  /** Extended attributes by full name ("user.x", "security.capability"), sorted. */
  public Map<String, byte[]> xattrs() {
    return Collections.unmodifiableMap(xattrs);
  }

  /** Opens a regular file's content. */
  public InputStream open() throws IOException {
    return content.open();
  }

  /** The identity shared by hard links. */
  public Object inode() {
    return inode;
  }

  public boolean isDirectory() {
    return type == FileType.DIRECTORY;
  }

  /** Children sorted by name; empty for non-directories. */
  public List<FsEntry> children() {
    return children == null ? List.of() : new ArrayList<>(children.values());
  }

  /** The child called {@code name}, or null. */
  public FsEntry child(String name) {
    return children == null ? null : children.get(name);
  }
}
