package io.oci2vm.internal.flatten;

import io.oci2vm.Digest;
import io.oci2vm.ErrorCode;
import io.oci2vm.Limits;
import io.oci2vm.Oci2vmException;
import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;

/**
 * Applies layers, bottom first, into one {@link RootFs}, as overlay filesystems and umoci do:
 * whiteouts ({@code .wh.NAME}) remove what lower layers wrote, opaque markers ({@code
 * .wh..wh..opq}) hide a directory's lower contents, hard links share an inode (also across layers),
 * and a later entry replaces an earlier one of the same name. Entry names are confined: absolute
 * names, ".." and writes through symlinks are refused with the layer and entry named.
 */
public final class Flattener {
  static final String WHITEOUT_PREFIX = ".wh.";
  static final String OPAQUE = ".wh..wh..opq";
  private static final FileTime EPOCH = FileTime.fromMillis(0);

  private final Limits limits;
  private final Node root;
  private final List<TarFile> tars = new ArrayList<>();
  private final List<Path> paths = new ArrayList<>();
  private long entries;

  /** A flattener enforcing {@code limits}. */
  public Flattener(Limits limits) {
    this.limits = limits;
    this.root =
        new Node(
            "",
            null,
            new Inode(FileType.DIRECTORY, 0755, 0, 0, EPOCH, 0, null, 0, 0, Map.of(), -1, null),
            -1);
  }

  /** Applies the next layer: its uncompressed tar and its digest (for messages). */
  public void apply(Path layerTar, Digest layerDigest) throws IOException {
    int index = tars.size();
    TarFile tar;
    try {
      tar = new TarFile(layerTar);
    } catch (IOException | RuntimeException e) {
      throw new Oci2vmException(
          ErrorCode.MALFORMED_LAYER,
          "layer " + layerDigest + " is not a valid tar: " + e.getMessage(),
          e);
    }
    tars.add(tar);
    paths.add(layerTar);
    for (TarArchiveEntry e : tar.getEntries()) {
      if (++entries > limits.maxEntries()) {
        throw new Oci2vmException(
            ErrorCode.LIMIT_EXCEEDED,
            "the image has more than "
                + limits.maxEntries()
                + " entries (at layer "
                + layerDigest
                + "); raise --max-entries if this is expected");
      }
      applyEntry(e, index, layerDigest);
    }
  }

  /** The merged tree; the flattener hands over its open layer files. */
  public RootFs finish() {
    return new RootFs(root, List.copyOf(tars), List.copyOf(paths));
  }

  private void applyEntry(TarArchiveEntry e, int layer, Digest layerDigest) {
    String raw = e.getName();
    List<String> parts = confine(raw, layerDigest, raw, ErrorCode.UNSAFE_PATH);
    if (parts.isEmpty()) {
      if (e.isDirectory()) {
        setDirMetadata(root.inode, e);
      }
      return;
    }
    String base = parts.get(parts.size() - 1);
    Node parent = parentDir(parts, layer, e, layerDigest);
    if (base.startsWith(WHITEOUT_PREFIX)) {
      if (base.equals(OPAQUE)) {
        List<String> hidden = new ArrayList<>();
        for (Node c : parent.children()) {
          if (c.layer < layer) {
            hidden.add(c.name);
          }
        }
        hidden.forEach(parent::removeChild);
      } else {
        Node victim = parent.child(base.substring(WHITEOUT_PREFIX.length()));
        if (victim != null && victim.layer < layer) {
          parent.removeChild(victim.name);
        }
      }
      return;
    }
    Node existing = parent.child(base);
    if (e.isLink()) {
      Node target = hardlinkTarget(e, layerDigest);
      if (existing != target) {
        parent.putChild(new Node(base, parent, target.inode, layer));
      } else {
        existing.layer = layer;
      }
      return;
    }
    if (e.isDirectory() && existing != null && existing.inode.isDirectory()) {
      setDirMetadata(existing.inode, e);
      existing.layer = layer;
      return;
    }
    parent.putChild(new Node(base, parent, inodeOf(e, layer, layerDigest), layer));
  }

  /**
   * Splits a name into components, refusing absolute names and any ".." (which umoci would clamp
   * but which no honest layer contains).
   */
  private List<String> confine(String name, Digest layerDigest, String entry, ErrorCode code) {
    if (name.startsWith("/")) {
      throw new Oci2vmException(
          code,
          "layer " + layerDigest + " entry '" + entry + "' has an absolute path; layer is unsafe");
    }
    if (name.indexOf('\0') >= 0) {
      throw new Oci2vmException(
          code, "layer " + layerDigest + " entry '" + entry + "' has a NUL byte in its name");
    }
    List<String> parts = new ArrayList<>();
    for (String p : name.split("/")) {
      if (p.isEmpty() || p.equals(".")) {
        continue;
      }
      if (p.equals("..")) {
        throw new Oci2vmException(
            code,
            "layer "
                + layerDigest
                + " entry '"
                + entry
                + "' climbs out with '..'; layer is unsafe");
      }
      parts.add(p);
    }
    int length = String.join("/", parts).length();
    if (length > limits.maxPathLength()) {
      throw new Oci2vmException(
          ErrorCode.LIMIT_EXCEEDED,
          "layer "
              + layerDigest
              + " entry path is "
              + length
              + " bytes, over the limit of "
              + limits.maxPathLength());
    }
    return parts;
  }

  /**
   * The directory an entry goes into. Missing directories are created (root-owned, 0755, as umoci
   * does); a symlink on the way is refused, since following it could write anywhere.
   */
  private Node parentDir(List<String> parts, int layer, TarArchiveEntry e, Digest layerDigest) {
    Node n = root;
    for (int i = 0; i < parts.size() - 1; i++) {
      Node c = n.child(parts.get(i));
      if (c == null) {
        c =
            new Node(
                parts.get(i),
                n,
                new Inode(FileType.DIRECTORY, 0755, 0, 0, EPOCH, 0, null, 0, 0, Map.of(), -1, null),
                layer);
        n.putChild(c);
      } else if (c.inode.isSymlink()) {
        throw new Oci2vmException(
            ErrorCode.SYMLINK_ESCAPE,
            "layer "
                + layerDigest
                + " entry '"
                + e.getName()
                + "' would be written through the symlink "
                + c.path()
                + " -> "
                + c.inode.linkTarget
                + "; layer is unsafe");
      } else if (!c.inode.isDirectory()) {
        throw new Oci2vmException(
            ErrorCode.MALFORMED_LAYER,
            "layer "
                + layerDigest
                + " entry '"
                + e.getName()
                + "' needs "
                + c.path()
                + " to be a directory, but it is a "
                + c.inode.type.name().toLowerCase());
      }
      n = c;
    }
    return n;
  }

  private Node hardlinkTarget(TarArchiveEntry e, Digest layerDigest) {
    String link = e.getLinkName();
    List<String> parts;
    try {
      parts = confine(link, layerDigest, e.getName(), ErrorCode.BAD_HARDLINK);
    } catch (Oci2vmException x) {
      if (x.code() != ErrorCode.BAD_HARDLINK) {
        throw x;
      }
      throw new Oci2vmException(
          ErrorCode.BAD_HARDLINK,
          "layer "
              + layerDigest
              + " hard link '"
              + e.getName()
              + "' points outside the root at '"
              + link
              + "'; layer is unsafe");
    }
    Node n = root;
    for (String p : parts) {
      n = n.inode.isDirectory() ? n.child(p) : null;
      if (n == null) {
        break;
      }
    }
    if (n == null || n.inode.isDirectory() || parts.isEmpty()) {
      throw new Oci2vmException(
          ErrorCode.BAD_HARDLINK,
          "layer "
              + layerDigest
              + " hard link '"
              + e.getName()
              + "' points at '"
              + link
              + "', which "
              + (n == null ? "does not exist in this or a lower layer" : "is a directory"));
    }
    return n;
  }

  private static void setDirMetadata(Inode inode, TarArchiveEntry e) {
    inode.mode = e.getMode() & 07777;
    inode.uid = e.getLongUserId();
    inode.gid = e.getLongGroupId();
    inode.mtime = mtime(e);
    inode.xattrs.clear();
    inode.xattrs.putAll(xattrs(e));
  }

  private static Inode inodeOf(TarArchiveEntry e, int layer, Digest layerDigest) {
    FileType type;
    if (e.isDirectory()) {
      type = FileType.DIRECTORY;
    } else if (e.isSymbolicLink()) {
      type = FileType.SYMLINK;
    } else if (e.isCharacterDevice()) {
      type = FileType.CHAR_DEVICE;
    } else if (e.isBlockDevice()) {
      type = FileType.BLOCK_DEVICE;
    } else if (e.isFIFO()) {
      type = FileType.FIFO;
    } else if (e.isFile()) {
      type = FileType.REGULAR;
    } else {
      throw new Oci2vmException(
          ErrorCode.MALFORMED_LAYER,
          "layer "
              + layerDigest
              + " entry '"
              + e.getName()
              + "' has an unsupported tar type '"
              + (char) e.getLinkFlag()
              + "'");
    }
    boolean regular = type == FileType.REGULAR;
    long size = regular ? (e.isSparse() ? e.getRealSize() : e.getSize()) : 0;
    return new Inode(
        type,
        e.getMode() & 07777,
        e.getLongUserId(),
        e.getLongGroupId(),
        mtime(e),
        size,
        type == FileType.SYMLINK ? e.getLinkName() : null,
        e.getDevMajor(),
        e.getDevMinor(),
        xattrs(e),
        regular ? layer : -1,
        regular ? e : null);
  }

  private static FileTime mtime(TarArchiveEntry e) {
    FileTime t = e.getLastModifiedTime();
    return t == null ? EPOCH : t;
  }

  private static Map<String, String> xattrs(TarArchiveEntry e) {
    Map<String, String> out = new TreeMap<>();
    for (Map.Entry<String, String> h : e.getExtraPaxHeaders().entrySet()) {
      if (h.getKey().startsWith("SCHILY.xattr.")) {
        out.put(h.getKey().substring("SCHILY.xattr.".length()), h.getValue());
      }
    }
    return out;
  }
}
