package io.oci2vm.internal.source;

import io.oci2vm.ErrorCode;
import io.oci2vm.Oci2vmException;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;

/**
 * Read access to the files of an image archive, a directory or a tar, by relative name. Names come
 * from digests or from the archive's own manifest and are looked up, never joined onto a host path
 * unchecked, so a hostile archive cannot make us read outside it.
 */
abstract class ArchiveFiles implements Closeable {

  /** The size of the named file, if it exists and is a regular file. */
  abstract Optional<Long> size(String name) throws IOException;

  /** Opens the named file; the caller closes the stream. */
  abstract InputStream open(String name) throws IOException;

  /** Reads a small file whole, refusing files larger than {@code limit}. */
  byte[] readSmall(String name, long limit, ErrorCode tooLarge, String what) throws IOException {
    long size =
        size(name)
            .orElseThrow(() -> new Oci2vmException(ErrorCode.BAD_ARCHIVE, what + " is missing"));
    if (size > limit) {
      throw new Oci2vmException(
          tooLarge, what + " is " + size + " bytes, over the limit of " + limit + " bytes");
    }
    try (InputStream in = open(name)) {
      return in.readNBytes((int) size);
    }
  }

  static ArchiveFiles of(Path path, String sourceName) throws IOException {
    if (Files.isDirectory(path)) {
      return new Dir(path);
    }
    if (Files.isRegularFile(path)) {
      return new Tar(path, sourceName);
    }
    throw new Oci2vmException(
        ErrorCode.BAD_ARCHIVE, sourceName + ": " + path + " does not exist or is not readable");
  }

  /** A directory on disk. */
  static final class Dir extends ArchiveFiles {
    private final Path root;

    Dir(Path root) {
      this.root = root.toAbsolutePath().normalize();
    }

    private Path resolve(String name) {
      Path p = root.resolve(name).normalize();
      if (!p.startsWith(root)) {
        throw new Oci2vmException(ErrorCode.BAD_ARCHIVE, "archive path escapes its root: " + name);
      }
      return p;
    }

    @Override
    Optional<Long> size(String name) throws IOException {
      Path p = resolve(name);
      return Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
          ? Optional.of(Files.size(p))
          : Optional.empty();
    }

    @Override
    InputStream open(String name) throws IOException {
      return Files.newInputStream(resolve(name));
    }

    @Override
    public void close() {}
  }

  /** A tar file, read in place with random access. */
  static final class Tar extends ArchiveFiles {
    private final TarFile tar;
    private final Map<String, TarArchiveEntry> entries = new HashMap<>();

    Tar(Path path, String sourceName) throws IOException {
      try {
        this.tar = new TarFile(path);
      } catch (IOException | RuntimeException e) {
        throw new Oci2vmException(
            ErrorCode.BAD_ARCHIVE, sourceName + ": " + path + " is not a readable tar archive", e);
      }
      for (TarArchiveEntry e : tar.getEntries()) {
        String name = e.getName();
        while (name.startsWith("./")) {
          name = name.substring(2);
        }
        if (e.isFile()) {
          entries.put(name, e);
        }
      }
    }

    @Override
    Optional<Long> size(String name) {
      TarArchiveEntry e = entries.get(name);
      return e == null ? Optional.empty() : Optional.of(e.getSize());
    }

    @Override
    InputStream open(String name) throws IOException {
      TarArchiveEntry e = entries.get(name);
      if (e == null) {
        throw new Oci2vmException(ErrorCode.BAD_ARCHIVE, "archive has no file " + name);
      }
      return tar.getInputStream(e);
    }

    @Override
    public void close() throws IOException {
      tar.close();
    }
  }
}
