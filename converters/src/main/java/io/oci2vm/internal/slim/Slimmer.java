package io.oci2vm.internal.slim;

import io.oci2vm.ErrorCode;
import io.oci2vm.ImageConfig;
import io.oci2vm.Oci2vmException;
import io.oci2vm.SlimPolicy;
import io.oci2vm.SlimReport;
import io.oci2vm.internal.flatten.FileType;
import io.oci2vm.internal.flatten.Inode;
import io.oci2vm.internal.flatten.Node;
import io.oci2vm.internal.flatten.RootFs;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Decides which files the app needs. It starts from the entrypoint and follows what the program
 * will load: its ELF interpreter and libraries, script interpreters and the commands a shell script
 * runs, the files libc reads at run time, and runtime profiles for what static analysis cannot see
 * (the JVM's and Python's own trees, Debian packages' data). Every kept path has a reason.
 */
public final class Slimmer {
  /** Files libc and common programs read at run time, kept when present. */
  private static final List<String> LIBC_CONFIG =
      List.of(
          "/etc/passwd",
          "/etc/group",
          "/etc/nsswitch.conf",
          "/etc/hosts",
          "/etc/hostname",
          "/etc/resolv.conf",
          "/etc/host.conf",
          "/etc/gai.conf",
          "/etc/services",
          "/etc/protocols",
          "/etc/networks",
          "/etc/ld.so.cache",
          "/etc/localtime",
          "/etc/timezone",
          "/etc/os-release",
          "/etc/mime.types");

  /** Trees of TLS trust and OpenSSL config, kept whole when present. */
  private static final List<String> TLS_TREES =
      List.of(
          "/etc/ssl", "/etc/pki", "/etc/ca-certificates", "/usr/lib/ssl", "/etc/crypto-policies");

  /** gconv modules for the Unicode encodings iconv is most often asked for. */
  private static final List<String> GCONV_FILES =
      List.of(
          "gconv-modules",
          "gconv-modules.cache",
          "gconv-modules.d",
          "UTF-16.so",
          "UTF-32.so",
          "UTF-7.so",
          "UNICODE.so",
          "ISO8859-1.so",
          "ISO8859-15.so");

  private static final List<String> GCONV_DIRS =
      List.of(
          "/usr/lib/x86_64-linux-gnu/gconv",
          "/usr/lib/aarch64-linux-gnu/gconv",
          "/usr/lib64/gconv",
          "/usr/lib/gconv");

  /** Directories an app may write into at run time: kept (empty if need be) wherever they are. */
  private static final List<String> WRITABLE_ROOTS =
      List.of("/var", "/run", "/tmp", "/home", "/root", "/srv", "/mnt", "/media");

  /** Directories too broad to keep whole just because the app's script or workdir is there. */
  private static final Set<String> SYSTEM_DIRS =
      Set.of(
          "/",
          "/bin",
          "/sbin",
          "/usr",
          "/usr/bin",
          "/usr/sbin",
          "/usr/local",
          "/usr/local/bin",
          "/usr/local/sbin",
          "/etc",
          "/lib",
          "/lib64",
          "/usr/lib",
          "/usr/lib64",
          "/usr/share",
          "/var",
          "/tmp",
          "/root",
          "/home",
          "/usr/local/lib",
          "/usr/local/share",
          "/opt",
          "/srv");

  private static final Set<String> SHELLS =
      Set.of("sh", "bash", "dash", "ash", "ksh", "mksh", "zsh", "busybox");

  /** Trees inside runtime homes that a running app never reads. */
  private static final Set<String> JVM_SKIP = Set.of("jmods", "demo", "sample", "man", "src.zip");

  private static final Set<String> PYTHON_SKIP =
      Set.of("test", "tests", "idlelib", "tkinter", "turtledemo", "ensurepip", "lib2to3");

  private static final Pattern PYTHON_NAME =
      Pattern.compile("(?:lib)?python(\\d+\\.\\d+)[a-z]*(?:\\.so.*)?");
  private static final Pattern WORD = Pattern.compile("[A-Za-z0-9_./+\\-\\[]+");
  private static final int MAX_SCRIPT_BYTES = 1 << 20;
  private static final int MAX_CONFIG_BYTES = 256 << 10;
  private static final Pattern CONFIG_PATH =
      Pattern.compile("(?<![\\w.$/-])(/(?:[A-Za-z0-9_.+@-]+/?)+)");

  private final RootFs fs;
  private final ImageConfig config;
  private final SlimPolicy policy;
  private final PathResolver resolver;
  private final LibrarySearch libraries;
  private final Map<Node, String> kept = new IdentityHashMap<>();
  private final Deque<Node> work = new ArrayDeque<>();
  private final List<SlimReport.Unresolved> unresolved = new ArrayList<>();
  private final Set<Inode> analysed = Collections.newSetFromMap(new IdentityHashMap<>());
  private ElfFile firstElf;
  private boolean glibc;

  /** A slimmer over {@code fs} for an app configured by {@code config}. */
  public Slimmer(RootFs fs, ImageConfig config, SlimPolicy policy) {
    this.fs = fs;
    this.config = config;
    this.policy = policy;
    this.resolver = new PathResolver(fs);
    this.libraries =
        new LibrarySearch(fs, resolver, config.envValue("LD_LIBRARY_PATH").orElse(null));
  }

  /** The outcome: which nodes to write (kept ones and the directories leading to them). */
  public record Result(Set<Node> output, SlimReport report) {}

  /** Runs the analysis. */
  public Result run() {
    if (!policy.enabled()) {
      fs.walk(n -> kept.put(n, "kept: slimming disabled"));
      return finish();
    }
    List<String> argv =
        policy.entrypointOverride().isEmpty() ? config.argv() : policy.entrypointOverride();
    if (argv.isEmpty()) {
      throw new Oci2vmException(
          ErrorCode.NO_ENTRYPOINT,
          "the image sets no Entrypoint or Cmd, so there is no app to slim for; "
              + "name one with --entrypoint, or keep everything with --no-slim");
    }
    Node program = keepEntrypoint(argv);
    keepArguments(argv);
    keepWorkingDir();
    drain();
    keepLibcConfig();
    keepRuntimeProfiles(program);
    keepUserGlobs();
    keepSystemDirectories();
    drain();
    keepNssModules();
    drain();
    return finish();
  }

  private Node keepEntrypoint(List<String> argv) {
    String exe = argv.get(0);
    PathResolver.Resolution r = findExecutable(exe);
    if (r == null) {
      throw new Oci2vmException(
          ErrorCode.NO_ENTRYPOINT,
          "the entrypoint '"
              + exe
              + "' is not an executable file in the image"
              + (exe.contains("/") ? "" : " (searched PATH=" + config.path() + ")")
              + "; fix the image or pass --entrypoint");
    }
    keepResolution(r, "entrypoint");
    if (SHELLS.contains(r.node().name())) {
      int c = argv.indexOf("-c");
      if (c > 0 && c + 1 < argv.size()) {
        scanCommands(argv.get(c + 1), "command in the entrypoint's shell command line");
      }
    }
    return r.node();
  }

  /** Finds a program as execvp would: a path as given, else the first match in PATH. */
  private PathResolver.Resolution findExecutable(String name) {
    if (name.contains("/")) {
      Node from = workingDir();
      PathResolver.Resolution r = resolver.resolve(from == null ? fs.root() : from, name);
      return isExecutable(r.node()) ? r : null;
    }
    for (String dir : config.path().split(":")) {
      if (dir.isEmpty()) {
        continue;
      }
      PathResolver.Resolution r = resolver.resolve(PathResolver.join(dir, name));
      if (isExecutable(r.node())) {
        return r;
      }
    }
    return null;
  }

  private static boolean isExecutable(Node n) {
    return n != null && n.inode().isRegular() && (n.inode().mode() & 0111) != 0;
  }

  private Node workingDir() {
    String wd = config.workingDir();
    return wd.isEmpty() ? null : resolver.resolve(wd).node();
  }

  /** Paths among the arguments (also inside -cp a:b and --opt=path) are kept. */
  private void keepArguments(List<String> argv) {
    Node wd = workingDir();
    for (String arg : argv.subList(1, argv.size())) {
      for (String piece : arg.split("[:=,]")) {
        if (piece.isEmpty() || piece.startsWith("-") || piece.length() > 4096) {
          continue;
        }
        boolean pathLike = piece.startsWith("/") || piece.contains("/") || piece.contains(".");
        if (!pathLike) {
          continue;
        }
        PathResolver.Resolution r =
            piece.startsWith("/") || wd == null
                ? resolver.resolve(piece)
                : resolver.resolve(wd, piece);
        Node n = r.node();
        if (n == null || n == fs.root()) {
          continue;
        }
        String why = "argument of the entrypoint (" + piece + ")";
        keepResolution(r, why);
        if (n.inode().isDirectory()) {
          keepTree(n, why);
        } else if (n.inode().isRegular() && !SYSTEM_DIRS.contains(n.parent().path())) {
          // A script's siblings are its modules (app.py imports from its own directory).
          keepTree(n.parent(), "directory of the entrypoint's argument " + piece);
        }
      }
    }
  }

  private void keepWorkingDir() {
    Node wd = workingDir();
    if (wd != null && wd.inode().isDirectory() && !SYSTEM_DIRS.contains(wd.path())) {
      keepTree(wd, "working directory of the app");
    }
  }

  private void keepLibcConfig() {
    for (String p : LIBC_CONFIG) {
      keepIfPresent(p, "config read by libc and common programs");
    }
    for (String p : libraries.configFiles()) {
      keepIfPresent(p, "dynamic loader configuration");
    }
    keepTreeIfPresent("/etc/ld.so.conf.d", "dynamic loader configuration");
    for (String p : TLS_TREES) {
      keepTreeIfPresent(p, "TLS certificates and configuration");
    }
    config
        .envValue("TZ")
        .map(tz -> tz.startsWith(":") ? tz.substring(1) : tz)
        .filter(tz -> !tz.isEmpty() && !tz.contains(".."))
        .ifPresent(
            tz ->
                keepIfPresent(
                    tz.startsWith("/") ? tz : "/usr/share/zoneinfo/" + tz, "time zone from TZ"));
    keepTreeIfPresent("/usr/lib/locale/C.utf8", "C.UTF-8 locale");
    keepTreeIfPresent("/usr/lib/locale/C.UTF-8", "C.UTF-8 locale");
    for (String var : List.of("LC_ALL", "LANG")) {
      config
          .envValue(var)
          .filter(v -> !v.isEmpty() && !v.equals("C") && !v.equals("POSIX") && !v.startsWith("C."))
          .ifPresent(
              v -> {
                keepIfPresent("/usr/lib/locale/locale-archive", "locale from " + var);
                keepTreeIfPresent("/usr/lib/locale/" + v, "locale from " + var);
              });
    }
    if (glibc) {
      for (String dir : GCONV_DIRS) {
        for (String f : GCONV_FILES) {
          keepTreeIfPresent(dir + "/" + f, "gconv module for iconv (Unicode encodings)");
        }
      }
    }
  }

  /** glibc loads NSS modules named in nsswitch.conf with dlopen, so ELF analysis misses them. */
  private void keepNssModules() {
    if (!glibc || firstElf == null) {
      return;
    }
    String text = libraries.readSmall("/etc/nsswitch.conf");
    if (text == null) {
      return;
    }
    for (String line : text.split("\n")) {
      int hash = line.indexOf('#');
      line = hash >= 0 ? line.substring(0, hash) : line;
      int colon = line.indexOf(':');
      if (colon < 0) {
        continue;
      }
      for (String svc : line.substring(colon + 1).trim().split("\\s+")) {
        if (svc.isEmpty() || svc.startsWith("[")) {
          continue;
        }
        libraries
            .findInSystemDirs("libnss_" + svc + ".so.2", firstElf)
            .ifPresent(
                f ->
                    keepResolution(
                        resolver.resolve(f.path()), "NSS module '" + svc + "' in nsswitch.conf"));
      }
    }
  }

  private void keepRuntimeProfiles(Node program) {
    List<Node> programs = new ArrayList<>(kept.keySet());
    for (Node n : programs) {
      if (!n.inode().isRegular()) {
        continue;
      }
      String name = n.name();
      if ((name.equals("java") || name.equals("libjvm.so")) && n.parent() != null) {
        Node home = n.parent().parent();
        if (name.equals("libjvm.so")) {
          // lib/server/libjvm.so
          home = home == null ? null : home.parent();
        }
        if (home != null && resolver.resolve(home, "lib/modules").node() != null) {
          keepTree(home, "runtime profile: JVM (Java home " + home.path() + ")", JVM_SKIP);
        } else if (home != null && resolver.resolve(home, "lib/rt.jar").node() != null) {
          keepTree(home, "runtime profile: JVM (Java home " + home.path() + ")", JVM_SKIP);
        }
      }
      Matcher m = PYTHON_NAME.matcher(name);
      if (m.matches()) {
        String version = m.group(1);
        String why = "runtime profile: Python " + version;
        Node prefix = n.parent() == null ? null : n.parent().parent();
        List<String> prefixes = new ArrayList<>(List.of("/usr", "/usr/local"));
        if (prefix != null) {
          prefixes.add(prefix.path());
        }
        for (String p : prefixes) {
          keepTreeIfPresent(p + "/lib/python" + version, why, PYTHON_SKIP);
        }
        keepTreeIfPresent("/usr/lib/python3/dist-packages", why, PYTHON_SKIP);
        if (prefix != null) {
          keepIfPresent(PathResolver.join(prefix.path(), "pyvenv.cfg"), why + " (virtualenv)");
          Node cfg = resolver.resolve(prefix, "pyvenv.cfg").node();
          if (cfg != null) {
            keepTree(prefix, why + " (virtualenv)", PYTHON_SKIP);
          }
        }
      }
    }
    for (String var : List.of("PYTHONPATH", "NODE_PATH", "CLASSPATH")) {
      config
          .envValue(var)
          .ifPresent(
              v -> {
                for (String p : v.split(":")) {
                  if (p.startsWith("/")) {
                    keepTreeIfPresent(p, "runtime profile: " + var);
                  }
                }
              });
    }
    config
        .envValue("JAVA_HOME")
        .ifPresent(h -> keepTreeIfPresent(h, "runtime profile: JVM (JAVA_HOME)", JVM_SKIP));
    DpkgProfile dpkg = new DpkgProfile(libraries, resolver);
    if (dpkg.present() && program != null) {
      List<Node> configs = new ArrayList<>();
      dpkg.filesFor(program)
          .forEach(
              (path, why) -> {
                if (path.endsWith("/")) {
                  keepTreeIfPresent(path, why);
                  Node dir = resolver.resolve(path).node();
                  if (dir != null) {
                    fs.walk(dir, n -> configs.add(n));
                  }
                } else {
                  keepIfPresent(path, why);
                }
              });
      for (Node n : configs) {
        keepPathsNamedIn(n);
      }
    }
  }

  /**
   * Config files name the data an app serves and writes (nginx's {@code root /var/www/html;}):
   * absolute paths in a package's config that exist in the image are kept, directories whole.
   */
  private void keepPathsNamedIn(Node config) {
    if (!config.inode().isRegular() || config.inode().size() > MAX_CONFIG_BYTES) {
      return;
    }
    String text;
    try (InputStream in = fs.open(config.inode())) {
      byte[] b = in.readAllBytes();
      for (byte x : b) {
        if (x == 0) {
          return; // binary, not config
        }
      }
      text = new String(b, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return;
    }
    Matcher m = CONFIG_PATH.matcher(text);
    while (m.find()) {
      String p = m.group(1);
      PathResolver.Resolution r = resolver.resolve(p);
      Node n = r.node();
      if (n == null || n == fs.root() || SYSTEM_DIRS.contains(n.path())) {
        continue;
      }
      String why = "path named in config " + config.path();
      keepResolution(r, why);
      if (n.inode().isDirectory()) {
        keepTree(n, why);
      }
    }
  }

  private void keepUserGlobs() {
    for (String g : policy.keepGlobs()) {
      KeepGlob glob = new KeepGlob(g);
      List<Node> matches = new ArrayList<>();
      fs.walk(
          n -> {
            if (glob.matches(n.path())) {
              matches.add(n);
            }
          });
      for (Node n : matches) {
        keepTree(n, "user keep pattern " + g);
      }
    }
  }

  /** Top-level directories, writable areas' directories and /dev stay, whatever they hold. */
  private void keepSystemDirectories() {
    for (Node top : fs.root().children()) {
      if (top.inode().isDirectory()) {
        mark(top, "top-level directory");
      } else if (top.inode().isSymlink()) {
        mark(top, "top-level symlink");
      }
    }
    for (String root : WRITABLE_ROOTS) {
      Node r = fs.lookup(root);
      if (r != null && r.inode().isDirectory()) {
        fs.walk(
            n -> {
              if (n.inode().isDirectory() && n.path().startsWith(root + "/")) {
                mark(n, "directory the app may write to");
              }
            });
      }
    }
    keepTreeIfPresent("/dev", "device nodes");
  }

  private void keepIfPresent(String path, String why) {
    PathResolver.Resolution r = resolver.resolve(path);
    if (r.node() != null) {
      keepResolution(r, why);
    }
  }

  private void keepTreeIfPresent(String path, String why) {
    keepTreeIfPresent(path, why, Set.of());
  }

  private void keepTreeIfPresent(String path, String why, Set<String> skip) {
    PathResolver.Resolution r = resolver.resolve(path);
    if (r.node() != null) {
      keepResolution(r, why);
      keepTree(r.node(), why, skip);
    }
  }

  private void keepTree(Node n, String why) {
    keepTree(n, why, Set.of());
  }

  private void keepTree(Node n, String why, Set<String> skipNames) {
    Deque<Node> stack = new ArrayDeque<>(List.of(n));
    while (!stack.isEmpty()) {
      Node c = stack.pop();
      mark(c, why);
      for (Node child : c.children()) {
        if (!skipNames.contains(child.name())) {
          stack.push(child);
        }
      }
    }
  }

  private void keepResolution(PathResolver.Resolution r, String why) {
    for (Node s : r.symlinks()) {
      mark(s, "symlink on the way to a file kept as " + why);
    }
    if (r.node() != null) {
      mark(r.node(), why);
    }
  }

  private void mark(Node n, String why) {
    if (kept.putIfAbsent(n, why) == null && (n.inode().isRegular() || n.inode().isSymlink())) {
      work.add(n);
    }
  }

  /** Follows what kept files need until nothing new turns up. */
  private void drain() {
    while (!work.isEmpty()) {
      Node n = work.poll();
      if (n.inode().isSymlink()) {
        keepResolution(
            resolver.resolve(n.parent(), n.inode().linkTarget()), "target of symlink " + n.path());
      } else if (analysed.add(n.inode())) {
        analyse(n);
      }
    }
  }

  private void analyse(Node n) {
    byte[] head;
    try (InputStream in = fs.open(n.inode())) {
      head = in.readNBytes(256);
    } catch (IOException e) {
      return;
    }
    if (ElfFile.looksLikeElf(head)) {
      analyseElf(n);
    } else if (head.length > 2 && head[0] == '#' && head[1] == '!') {
      analyseScript(n, head);
    }
  }

  private void analyseElf(Node n) {
    ElfFile elf;
    try (SeekableByteChannel ch = fs.channel(n.inode())) {
      elf = ElfFile.read(ch);
    } catch (IOException e) {
      return; // a malformed ELF file is data to us; the loader would refuse it too
    }
    if (firstElf == null && elf.isDynamic()) {
      firstElf = elf;
    }
    String path = n.path();
    elf.interpreter()
        .ifPresent(
            interp -> {
              PathResolver.Resolution r = resolver.resolve(interp);
              if (r.node() == null) {
                unresolved.add(new SlimReport.Unresolved(interp, path));
              } else {
                keepResolution(r, "ELF interpreter of " + path);
              }
            });
    String dir = n.parent().path();
    for (String lib : elf.needed()) {
      if (lib.equals("libc.so.6")) {
        glibc = true;
      }
      var found = libraries.find(lib, elf, dir);
      if (found.isPresent()) {
        keepResolution(resolver.resolve(found.get().path()), "ELF dependency of " + path);
      } else {
        unresolved.add(new SlimReport.Unresolved(lib, path));
      }
    }
  }

  private void analyseScript(Node n, byte[] head) {
    String line = new String(head, StandardCharsets.UTF_8);
    int nl = line.indexOf('\n');
    line = (nl >= 0 ? line.substring(2, nl) : line.substring(2)).trim();
    String[] words = line.split("\\s+");
    if (words.length == 0 || words[0].isEmpty()) {
      return;
    }
    String path = n.path();
    PathResolver.Resolution interp = resolver.resolve(words[0]);
    if (interp.node() == null) {
      unresolved.add(new SlimReport.Unresolved(words[0], path));
      return;
    }
    keepResolution(interp, "interpreter of " + path);
    String name = interp.node().name();
    if (name.equals("env") || words[0].endsWith("/env")) {
      for (int i = 1; i < words.length; i++) {
        if (words[i].startsWith("-") || words[i].contains("=")) {
          continue;
        }
        PathResolver.Resolution r = findExecutable(words[i]);
        if (r != null) {
          keepResolution(r, "interpreter of " + path + " (through env)");
          name = r.node().name();
        } else {
          unresolved.add(new SlimReport.Unresolved(words[i], path));
        }
        break;
      }
    }
    if (SHELLS.contains(name)) {
      try (InputStream in = fs.open(n.inode())) {
        scanCommands(
            new String(in.readNBytes(MAX_SCRIPT_BYTES), StandardCharsets.UTF_8),
            "command run by script " + path);
      } catch (IOException e) {
        // an unreadable script keeps only its interpreter
      }
    }
  }

  /**
   * Shell scripts run commands by name; every word that names an executable in PATH, or an existing
   * absolute path, is kept. Over-keeping a small tool is cheaper than a broken app.
   */
  private void scanCommands(String text, String why) {
    Matcher m = WORD.matcher(text);
    int words = 0;
    while (m.find() && ++words < 50_000) {
      String w = m.group();
      if (w.startsWith("/") && w.length() > 1) {
        PathResolver.Resolution r = resolver.resolve(w);
        if (r.node() != null && !r.node().inode().isDirectory()) {
          keepResolution(r, why);
        }
      } else if (!w.contains("/") && Character.isLetter(w.charAt(0)) && w.length() < 64) {
        PathResolver.Resolution r = findExecutable(w);
        if (r != null) {
          keepResolution(r, why);
        }
      }
    }
  }

  /**
   * A library no search path finds is still satisfied when the app loads it first by another route:
   * the loader matches DT_NEEDED against objects already loaded by soname (the JVM's launcher
   * dlopens lib/server/libjvm.so, which its other libraries then need by name).
   */
  private List<SlimReport.Unresolved> stillUnresolved() {
    Set<String> keptNames = new java.util.HashSet<>();
    for (Node n : kept.keySet()) {
      if (n.inode().isRegular() || n.inode().isSymlink()) {
        keptNames.add(n.name());
      }
    }
    return unresolved.stream().filter(u -> !keptNames.contains(u.library())).distinct().toList();
  }

  private Result finish() {
    Set<Node> output = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Node n : kept.keySet()) {
      for (Node a = n; a != null && output.add(a); a = a.parent()) {
        // ancestors up to the root, stopping at one already added
      }
    }
    List<SlimReport.Kept> keptList = new ArrayList<>();
    List<SlimReport.Dropped> dropped = new ArrayList<>();
    long[] counts = new long[4]; // filesBefore, bytesBefore, filesAfter, bytesAfter
    Set<Inode> before = Collections.newSetFromMap(new IdentityHashMap<>());
    Set<Inode> after = Collections.newSetFromMap(new IdentityHashMap<>());
    fs.walk(
        n -> {
          Inode i = n.inode();
          boolean file = !i.isDirectory();
          if (file) {
            counts[0]++;
            if (before.add(i)) {
              counts[1] += i.size();
            }
          }
          if (output.contains(n)) {
            if (file) {
              counts[2]++;
              if (after.add(i)) {
                counts[3] += i.size();
              }
            }
            String why = kept.getOrDefault(n, "directory on the way to kept files");
            keptList.add(new SlimReport.Kept(n.path(), typeName(i.type()), i.size(), why));
          } else {
            dropped.add(new SlimReport.Dropped(n.path(), i.size()));
          }
        });
    return new Result(
        output,
        new SlimReport(
            counts[0], counts[1], counts[2], counts[3], keptList, dropped, stillUnresolved()));
  }

  private static String typeName(FileType t) {
    return t.name().toLowerCase().replace('_', '-');
  }
}
