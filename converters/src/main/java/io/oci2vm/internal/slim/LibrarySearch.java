package io.oci2vm.internal.slim;

import io.oci2vm.internal.flatten.Node;
import io.oci2vm.internal.flatten.RootFs;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Finds shared libraries the way the dynamic loaders do: DT_RPATH (when there is no DT_RUNPATH),
 * LD_LIBRARY_PATH, DT_RUNPATH, the directories of ld.so.conf and its includes (glibc) or
 * /etc/ld-musl-ARCH.path (musl), then the default directories. A candidate counts only if it is an
 * ELF file of the same class and machine, as the loaders require.
 */
final class LibrarySearch {
  /** Default directories, glibc's and Debian's multiarch ones, then musl's. */
  private static final List<String> DEFAULT_DIRS =
      List.of(
          "/lib64",
          "/usr/lib64",
          "/lib/x86_64-linux-gnu",
          "/usr/lib/x86_64-linux-gnu",
          "/lib/aarch64-linux-gnu",
          "/usr/lib/aarch64-linux-gnu",
          "/lib",
          "/usr/local/lib",
          "/usr/lib");

  private final RootFs fs;
  private final PathResolver resolver;
  private final List<String> ldLibraryPath;
  private final List<String> configDirs = new ArrayList<>();

  /** The config files read (ld.so.conf and includes), to be kept with the libraries. */
  private final Set<String> configFiles = new LinkedHashSet<>();

  LibrarySearch(RootFs fs, PathResolver resolver, String ldLibraryPath) {
    this.fs = fs;
    this.resolver = resolver;
    this.ldLibraryPath = ldLibraryPath == null ? List.of() : split(ldLibraryPath);
    readLdSoConf("/etc/ld.so.conf", 0);
    Node etc = resolver.resolve("/etc").node();
    if (etc != null) {
      for (Node c : etc.children()) {
        if (c.name().startsWith("ld-musl-") && c.name().endsWith(".path")) {
          String text = readSmall(c.path());
          if (text != null) {
            configFiles.add(c.path());
            configDirs.addAll(split(text.replace('\n', ':')));
          }
        }
      }
    }
  }

  Set<String> configFiles() {
    return configFiles;
  }

  /** A found library: the path it was found at (for keeping the symlink chain). */
  record Found(String path, Node node) {}

  /** Searches for {@code name} needed by {@code elf}, which lives at {@code objectPath}. */
  Optional<Found> find(String name, ElfFile elf, String objectDir) {
    if (name.contains("/")) {
      String p = name.startsWith("/") ? name : PathResolver.join(objectDir, name);
      return accept(p, elf);
    }
    List<String> dirs = new ArrayList<>();
    if (elf.runpath().isEmpty()) {
      dirs.addAll(expand(elf.rpath(), objectDir, elf));
    }
    dirs.addAll(ldLibraryPath);
    dirs.addAll(expand(elf.runpath(), objectDir, elf));
    dirs.addAll(configDirs);
    dirs.addAll(DEFAULT_DIRS);
    for (String dir : new LinkedHashSet<>(dirs)) {
      Optional<Found> f = accept(PathResolver.join(dir, name), elf);
      if (f.isPresent()) {
        return f;
      }
    }
    return Optional.empty();
  }

  /** Searches the default and configured directories for a library like one of {@code like}. */
  Optional<Found> findInSystemDirs(String name, ElfFile like) {
    List<String> dirs = new ArrayList<>(configDirs);
    dirs.addAll(DEFAULT_DIRS);
    for (String dir : new LinkedHashSet<>(dirs)) {
      Optional<Found> f = accept(PathResolver.join(dir, name), like);
      if (f.isPresent()) {
        return f;
      }
    }
    return Optional.empty();
  }

  private Optional<Found> accept(String path, ElfFile like) {
    Node n = resolver.resolve(path).node();
    if (n == null || !n.inode().isRegular()) {
      return Optional.empty();
    }
    try (var ch = fs.channel(n.inode())) {
      ElfFile lib = ElfFile.read(ch);
      if (lib.is64Bit() == like.is64Bit() && lib.machine() == like.machine()) {
        return Optional.of(new Found(path, n));
      }
    } catch (IOException e) {
      // not an ELF file, or a broken one: the loader would skip it too
    }
    return Optional.empty();
  }

  private static List<String> expand(List<String> dirs, String objectDir, ElfFile elf) {
    List<String> out = new ArrayList<>();
    for (String d : dirs) {
      String lib = elf.is64Bit() ? "lib64" : "lib";
      String e =
          d.replace("${ORIGIN}", objectDir)
              .replace("$ORIGIN", objectDir)
              .replace("${LIB}", lib)
              .replace("$LIB", lib)
              .replace("${PLATFORM}", "x86_64")
              .replace("$PLATFORM", "x86_64");
      if (!e.isEmpty()) {
        out.add(e);
      }
    }
    return out;
  }

  private void readLdSoConf(String path, int depth) {
    if (depth > 8) {
      return;
    }
    String text = readSmall(path);
    if (text == null) {
      return;
    }
    configFiles.add(path);
    for (String line : text.split("\n")) {
      int hash = line.indexOf('#');
      if (hash >= 0) {
        line = line.substring(0, hash);
      }
      line = line.trim();
      if (line.isEmpty() || line.startsWith("hwcap ")) {
        continue;
      }
      if (line.startsWith("include ") || line.startsWith("include\t")) {
        for (String pattern : line.substring(8).trim().split("\\s+")) {
          String abs = pattern.startsWith("/") ? pattern : "/etc/" + pattern;
          for (String included : glob(abs)) {
            readLdSoConf(included, depth + 1);
          }
        }
        continue;
      }
      for (String dir : line.split("[\\s:,=]+")) {
        if (dir.startsWith("/")) {
          configDirs.add(dir);
        }
      }
    }
  }

  /** Expands a glob whose wildcards are in the last component only, as ld.so.conf uses. */
  private List<String> glob(String pattern) {
    int slash = pattern.lastIndexOf('/');
    String dir = slash <= 0 ? "/" : pattern.substring(0, slash);
    String namePattern = pattern.substring(slash + 1);
    Node d = resolver.resolve(dir).node();
    List<String> out = new ArrayList<>();
    if (d == null || !d.inode().isDirectory()) {
      return out;
    }
    PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + namePattern);
    for (Node c : d.children()) {
      if (m.matches(Path.of(c.name()))) {
        out.add(PathResolver.join(dir, c.name()));
      }
    }
    return out;
  }

  /** Reads a small text file (up to 1 MiB) from the image, or null. */
  String readSmall(String path) {
    return readText(path, 1 << 20);
  }

  /** Reads a text file of at most {@code max} bytes from the image, or null. */
  String readText(String path, long max) {
    Node n = resolver.resolve(path).node();
    if (n == null || !n.inode().isRegular() || n.inode().size() > max) {
      return null;
    }
    try (InputStream in = fs.open(n.inode())) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return null;
    }
  }

  private static List<String> split(String s) {
    List<String> out = new ArrayList<>();
    for (String p : s.split("[:;]")) {
      if (!p.isBlank()) {
        out.add(p.trim());
      }
    }
    return out;
  }
}
