package io.oci2vm.internal.write;

import io.oci2vm.ErrorCode;
import io.oci2vm.Oci2vmException;
import io.oci2vm.internal.flatten.Inode;
import io.oci2vm.internal.flatten.Node;
import io.oci2vm.internal.flatten.RootFs;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Writes a root filesystem tree as a POSIX (PAX) tar: parents before children, names sorted, hard
 * links as link entries to the first path of their inode, xattrs as {@code SCHILY.xattr} records.
 * The same tree gives the same bytes. The file appears only when complete.
 */
public final class RootfsTarWriter {
  private RootfsTarWriter() {}

  /** Writes the nodes in {@code include} (all when null) to {@code target}; returns its size. */
  public static long write(RootFs fs, Set<Node> include, Path target) {
    Path dir = target.toAbsolutePath().getParent();
    Path temp = null;
    try {
      Files.createDirectories(dir);
      temp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".partial");
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(temp), 1 << 16)) {
        write(fs, include, out);
      }
      Files.move(temp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      temp = null;
      return Files.size(target);
    } catch (IOException | UncheckedIOException e) {
      throw new Oci2vmException(
          ErrorCode.IO_ERROR, "cannot write " + target + " (disk full?): " + e.getMessage(), e);
    } finally {
      if (temp != null) {
        try {
          Files.deleteIfExists(temp);
        } catch (IOException ignored) {
          // nothing more to do; the .partial name says it is incomplete
        }
      }
    }
  }

  /** Streams the tar to {@code out}. */
  public static void write(RootFs fs, Set<Node> include, OutputStream out) throws IOException {
    TarArchiveOutputStream tar = new TarArchiveOutputStream(out);
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    tar.setAddPaxHeadersForNonAsciiNames(true);
    Map<Inode, String> firstPath = new IdentityHashMap<>();
    try {
      fs.walk(
          n -> {
            if (n.parent() == null || (include != null && !include.contains(n))) {
              return;
            }
            try {
              writeEntry(fs, tar, n, firstPath);
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    tar.finish();
    tar.flush();
  }

  private static void writeEntry(
      RootFs fs, TarArchiveOutputStream tar, Node n, Map<Inode, String> firstPath)
      throws IOException {
    Inode i = n.inode();
    String name = n.path().substring(1);
    TarArchiveEntry e;
    String linkedTo = i.isDirectory() ? null : firstPath.putIfAbsent(i, name);
    if (linkedTo != null) {
      e = new TarArchiveEntry(name, TarConstants.LF_LINK);
      e.setLinkName(linkedTo);
    } else {
      switch (i.type()) {
        case DIRECTORY:
          e = new TarArchiveEntry(name + "/", TarConstants.LF_DIR);
          break;
        case SYMLINK:
          e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
          e.setLinkName(i.linkTarget());
          break;
        case CHAR_DEVICE:
          e = new TarArchiveEntry(name, TarConstants.LF_CHR);
          break;
        case BLOCK_DEVICE:
          e = new TarArchiveEntry(name, TarConstants.LF_BLK);
          break;
        case FIFO:
          e = new TarArchiveEntry(name, TarConstants.LF_FIFO);
          break;
        default:
          e = new TarArchiveEntry(name, TarConstants.LF_NORMAL);
          e.setSize(i.size());
      }
      e.setDevMajor(i.devMajor());
      e.setDevMinor(i.devMinor());
    }
    int typeBits =
        switch (i.type()) {
          case DIRECTORY -> 0040000;
          case SYMLINK -> 0120000;
          case CHAR_DEVICE -> 0020000;
          case BLOCK_DEVICE -> 0060000;
          case FIFO -> 0010000;
          default -> 0100000;
        };
    e.setMode(typeBits | i.mode());
    e.setUserId(i.uid());
    e.setGroupId(i.gid());
    e.setUserName("");
    e.setGroupName("");
    e.setLastModifiedTime(i.mtime());
    for (Map.Entry<String, String> x : i.xattrs().entrySet()) {
      e.addPaxHeader("SCHILY.xattr." + x.getKey(), x.getValue());
    }
    tar.putArchiveEntry(e);
    if (linkedTo == null && i.isRegular() && i.size() > 0) {
      try (InputStream in = fs.open(i)) {
        long copied = in.transferTo(tar);
        if (copied != i.size()) {
          throw new IOException(
              n.path() + " has " + copied + " bytes in its layer, expected " + i.size());
        }
      }
    }
    tar.closeArchiveEntry();
  }
}
