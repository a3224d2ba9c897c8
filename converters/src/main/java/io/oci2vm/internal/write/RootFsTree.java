package io.oci2vm.internal.write;

import io.oci2vm.internal.assemble.InitConfig;
import io.oci2vm.internal.disk.FsEntry;
import io.oci2vm.internal.flatten.FileType;
import io.oci2vm.internal.flatten.Inode;
import io.oci2vm.internal.flatten.Node;
import io.oci2vm.internal.flatten.RootFs;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The slimmed tree as {@link FsEntry}s for a filesystem writer. Content is still read from the
 * cached layer tars when the writer opens a file; hard links keep sharing one inode.
 */
public final class RootFsTree {
  /** Mount points the init uses in a disk root; created (empty) when the image lacks them. */
  private static final Map<String, Integer> MOUNT_POINTS =
      Map.of("dev", 0755, "proc", 0555, "sys", 0555, "run", 0755, "tmp", 01777);

  private RootFsTree() {}

  /**
   * The nodes in {@code include} (all if null), minus anything under {@link InitConfig#DIR}. {@code
   * warn} hears about what could not be carried over.
   */
  public static FsEntry of(RootFs fs, Set<Node> include, java.util.function.Consumer<String> warn) {
    Node root = fs.root();
    FsEntry top = directory("/", root.inode());
    add(fs, root, top, include, warn);
    for (var m : MOUNT_POINTS.entrySet()) {
      if (top.child(m.getKey()) == null) {
        top.add(FsEntry.directory(m.getKey(), m.getValue(), 0, 0, seconds(root.inode())));
      }
    }
    return top;
  }

  /** The newest mtime in the tree: a timestamp for filesystem metadata that follows the input. */
  public static long newestMtime(FsEntry e) {
    long t = e.mtime();
    for (FsEntry c : e.children()) {
      t = Math.max(t, newestMtime(c));
    }
    return Math.max(0, t);
  }

  private static void add(
      RootFs fs,
      Node dir,
      FsEntry into,
      Set<Node> include,
      java.util.function.Consumer<String> warn) {
    for (Node n : dir.children()) {
      if ((include != null && !include.contains(n))
          || n.path().equals(InitConfig.DIR)
          || n.path().startsWith(InitConfig.DIR + "/")) {
        continue;
      }
      Inode i = n.inode();
      FsEntry e =
          switch (i.type()) {
            case DIRECTORY -> directory(n.name(), i);
            case REGULAR ->
                FsEntry.file(
                    n.name(),
                    i.mode(),
                    i.uid(),
                    i.gid(),
                    seconds(i),
                    i.size(),
                    () -> fs.open(i),
                    i);
            case SYMLINK -> FsEntry.symlink(n.name(), i.linkTarget(), i.uid(), i.gid(), seconds(i));
            case CHAR_DEVICE, BLOCK_DEVICE, FIFO ->
                FsEntry.special(
                    n.name(),
                    i.type(),
                    i.mode(),
                    i.uid(),
                    i.gid(),
                    seconds(i),
                    i.devMajor(),
                    i.devMinor());
          };
      if (!i.xattrs().isEmpty()) {
        Map<String, byte[]> x = new LinkedHashMap<>();
        // The layer reader hands PAX xattr values over as UTF-8 text, so a binary value (a file
        // capability, an ACL naming uid 128 or more) arrives with U+FFFD where its bytes were
        // not UTF-8. Writing that would be a corrupt attribute: leave it out and say so.
        for (var xa : i.xattrs().entrySet()) {
          if (xa.getValue().indexOf('\uFFFD') >= 0) {
            warn.accept(
                "left out xattr " + xa.getKey() + " of " + n.path() + ": its value is binary");
          } else {
            x.put(xa.getKey(), xa.getValue().getBytes(StandardCharsets.UTF_8));
          }
        }
        e = e.withXattrs(x);
      }
      into.add(e);
      if (i.type() == FileType.DIRECTORY) {
        add(fs, n, e, include, warn);
      }
    }
  }

  private static FsEntry directory(String name, Inode i) {
    return FsEntry.directory(name, i.mode(), i.uid(), i.gid(), seconds(i));
  }

  private static long seconds(Inode i) {
    return i.mtime() == null ? 0 : i.mtime().toMillis() / 1000;
  }
}
