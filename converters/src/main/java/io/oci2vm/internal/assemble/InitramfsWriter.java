package io.oci2vm.internal.assemble;

import io.oci2vm.ErrorCode;
import io.oci2vm.Oci2vmException;
import io.oci2vm.internal.flatten.Inode;
import io.oci2vm.internal.flatten.Node;
import io.oci2vm.internal.flatten.RootFs;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.apache.commons.compress.archivers.cpio.CpioArchiveEntry;
import org.apache.commons.compress.archivers.cpio.CpioArchiveOutputStream;
import org.apache.commons.compress.archivers.cpio.CpioConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipParameters;
import org.apache.commons.compress.compressors.zstandard.ZstdCompressorOutputStream;

/**
 * Writes an initramfs: a newc cpio of the slimmed tree followed by oci2vm's own files (the init,
 * its config, kernel modules), compressed. Inode numbers are assigned in walk order and no
 * timestamps but the image's own are used, so the same input gives the same bytes. Hard links are
 * written as separate copies (the kernel's unpacker would need their data on the last link).
 */
public final class InitramfsWriter {
  /** How the archive is compressed. */
  public enum Compression {
    GZIP,
    ZSTD
  }

  /** An extra file oci2vm adds: path, permission bits and content. */
  public record Extra(String path, int mode, Content content) {}

  /** Supplies an extra file's bytes. */
  @FunctionalInterface
  public interface Content {
    /** Opens the content. */
    InputStream open() throws IOException;

    /** Fixed bytes. */
    static Content of(byte[] bytes) {
      return () -> new java.io.ByteArrayInputStream(bytes);
    }
  }

  private static final long MAX_NEWC_SIZE = 0xffffffffL;

  private final CpioArchiveOutputStream cpio;
  private long inode = 1;

  private InitramfsWriter(CpioArchiveOutputStream cpio) {
    this.cpio = cpio;
  }

  /**
   * Writes the nodes in {@code include} from {@code fs} (skipping anything under {@link
   * InitConfig#DIR}), then {@code extras}, to {@code out}.
   */
  public static void write(
      RootFs fs, Set<Node> include, List<Extra> extras, Compression compression, OutputStream out)
      throws IOException {
    OutputStream compressed;
    if (compression == Compression.ZSTD) {
      compressed = new ZstdCompressorOutputStream(out, 9, true);
    } else {
      GzipParameters p = new GzipParameters();
      p.setModificationTime(0);
      p.setCompressionLevel(6);
      compressed = new GzipCompressorOutputStream(out, p);
    }
    CpioArchiveOutputStream cpio =
        new CpioArchiveOutputStream(compressed, CpioConstants.FORMAT_NEW, 512, "US-ASCII");
    InitramfsWriter w = new InitramfsWriter(cpio);
    try {
      fs.walk(
          n -> {
            if (n.parent() == null
                || (include != null && !include.contains(n))
                || n.path().equals(InitConfig.DIR)
                || n.path().startsWith(InitConfig.DIR + "/")) {
              return;
            }
            try {
              w.node(fs, n);
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    w.directory(InitConfig.DIR);
    String last = InitConfig.DIR;
    for (Extra x : extras) {
      String parent = x.path().substring(0, x.path().lastIndexOf('/'));
      if (!parent.equals(last) && !parent.equals(InitConfig.DIR)) {
        w.directory(parent);
        last = parent;
      }
      w.extra(x);
    }
    cpio.finish();
    compressed.close();
  }

  private void node(RootFs fs, Node n) throws IOException {
    Inode i = n.inode();
    String name = n.path().substring(1);
    int type =
        switch (i.type()) {
          case DIRECTORY -> CpioConstants.C_ISDIR;
          case SYMLINK -> CpioConstants.C_ISLNK;
          case CHAR_DEVICE -> CpioConstants.C_ISCHR;
          case BLOCK_DEVICE -> CpioConstants.C_ISBLK;
          case FIFO -> CpioConstants.C_ISFIFO;
          default -> CpioConstants.C_ISREG;
        };
    CpioArchiveEntry e = entry(name, type | i.mode());
    e.setUID(i.uid());
    e.setGID(i.gid());
    e.setTime(Math.max(0, i.mtime().toMillis() / 1000));
    e.setNumberOfLinks(i.isDirectory() ? 2 : 1);
    if (i.type() == io.oci2vm.internal.flatten.FileType.CHAR_DEVICE
        || i.type() == io.oci2vm.internal.flatten.FileType.BLOCK_DEVICE) {
      e.setRemoteDeviceMaj(i.devMajor());
      e.setRemoteDeviceMin(i.devMinor());
    }
    if (i.isSymlink()) {
      byte[] target = i.linkTarget().getBytes(StandardCharsets.UTF_8);
      e.setSize(target.length);
      cpio.putArchiveEntry(e);
      cpio.write(target);
    } else if (i.isRegular()) {
      if (i.size() > MAX_NEWC_SIZE) {
        throw new Oci2vmException(
            ErrorCode.LIMIT_EXCEEDED,
            n.path()
                + " is "
                + i.size()
                + " bytes; an initramfs (newc cpio) holds files under 4 GiB, use a disk format");
      }
      e.setSize(i.size());
      cpio.putArchiveEntry(e);
      try (InputStream in = fs.open(i)) {
        in.transferTo(cpio);
      }
    } else {
      cpio.putArchiveEntry(e);
    }
    cpio.closeArchiveEntry();
  }

  private void directory(String path) throws IOException {
    CpioArchiveEntry e = entry(path.substring(1), CpioConstants.C_ISDIR | 0755);
    e.setNumberOfLinks(2);
    cpio.putArchiveEntry(e);
    cpio.closeArchiveEntry();
  }

  private void extra(Extra x) throws IOException {
    byte[] bytes;
    try (InputStream in = x.content().open()) {
      bytes = in.readAllBytes();
    }
    CpioArchiveEntry e = entry(x.path().substring(1), CpioConstants.C_ISREG | x.mode());
    e.setNumberOfLinks(1);
    e.setSize(bytes.length);
    cpio.putArchiveEntry(e);
    cpio.write(bytes);
    cpio.closeArchiveEntry();
  }

  private CpioArchiveEntry entry(String name, int mode) {
    CpioArchiveEntry e = new CpioArchiveEntry(CpioConstants.FORMAT_NEW, name);
    e.setMode(mode);
    e.setInode(inode++);
    return e;
  }
}
