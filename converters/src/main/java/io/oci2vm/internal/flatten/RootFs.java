package io.oci2vm.internal.flatten;

import java.io.ByteArrayInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;

/**
 * A flattened root filesystem: the merged tree of all layers, with file contents read in place from
 * the cached uncompressed layer tars. Close it to release the layer files.
 */
public final class RootFs implements Closeable {
  private final Node root;
  private final List<TarFile> layers;
  private final List<Path> layerPaths;
  private final List<FileChannel> channels = new ArrayList<>();

  RootFs(Node root, List<TarFile> layers, List<Path> layerPaths) {
    this.root = root;
    this.layers = layers;
    this.layerPaths = layerPaths;
  }

  public Node root() {
    return root;
  }

  /** The node at an absolute or root-relative path, without following symlinks; null if absent. */
  public Node lookup(String path) {
    Node n = root;
    for (String part : path.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (n == null || !n.inode.isDirectory()) {
        return null;
      }
      n = part.equals("..") ? (n.parent == null ? n : n.parent) : n.child(part);
    }
    return n;
  }

  /** Visits every node depth-first, parents before children, children by name. */
  public void walk(Consumer<Node> visitor) {
    walk0(root, visitor);
  }

  /** Visits {@code from} and everything below it, parents before children. */
  public void walk(Node from, Consumer<Node> visitor) {
    walk0(from, visitor);
  }

  private static void walk0(Node n, Consumer<Node> visitor) {
    visitor.accept(n);
    for (Node c : n.children()) {
      walk0(c, visitor);
    }
  }

  /** Opens a regular file's content. */
  public InputStream open(Inode inode) throws IOException {
    if (!inode.isRegular()) {
      throw new IllegalArgumentException("not a regular file");
    }
    if (inode.size == 0) {
      return new ByteArrayInputStream(new byte[0]);
    }
    return layers.get(inode.layer).getInputStream(inode.entry);
  }

  /**
   * Random access to a regular file's content, for parsers that seek (ELF). Sparse entries are read
   * through the stream and so are refused above {@code maxSparseCopy} bytes.
   */
  public SeekableByteChannel channel(Inode inode) throws IOException {
    TarArchiveEntry e = inode.entry;
    if (e == null || inode.size == 0) {
      return new ByteSliceChannel(new byte[0]);
    }
    if (e.isSparse()) {
      if (inode.size > (64 << 20)) {
        throw new IOException("sparse file too large to inspect");
      }
      try (InputStream in = open(inode)) {
        return new ByteSliceChannel(in.readAllBytes());
      }
    }
    return new FileSliceChannel(layerChannel(inode.layer), e.getDataOffset(), inode.size);
  }

  private synchronized FileChannel layerChannel(int layer) throws IOException {
    while (channels.size() <= layer) {
      channels.add(null);
    }
    FileChannel ch = channels.get(layer);
    if (ch == null) {
      ch = FileChannel.open(layerPaths.get(layer), StandardOpenOption.READ);
      channels.set(layer, ch);
    }
    return ch;
  }

  @Override
  public void close() throws IOException {
    IOException first = null;
    for (TarFile t : layers) {
      try {
        t.close();
      } catch (IOException e) {
        first = first == null ? e : first;
      }
    }
    for (FileChannel c : channels) {
      if (c != null) {
        c.close();
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
