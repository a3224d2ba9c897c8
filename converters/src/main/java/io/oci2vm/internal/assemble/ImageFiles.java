package io.oci2vm.internal.assemble;

import io.oci2vm.internal.flatten.Node;
import io.oci2vm.internal.flatten.RootFs;
import io.oci2vm.internal.slim.PathResolver;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** Reads small text files of the image, following symlinks inside it. */
final class ImageFiles {
  private final RootFs fs;
  private final PathResolver resolver;

  ImageFiles(RootFs fs) {
    this.fs = fs;
    this.resolver = new PathResolver(fs);
  }

  /** The file's text, or null when it is missing, not a file or over 1 MiB. */
  String read(String path) {
    Node n = resolver.resolve(path).node();
    if (n == null || !n.inode().isRegular() || n.inode().size() > (1 << 20)) {
      return null;
    }
    try (InputStream in = fs.open(n.inode())) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return null;
    }
  }
}
