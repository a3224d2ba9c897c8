package io.oci2vm.internal.slim;

import io.oci2vm.internal.flatten.Node;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Debian's package database as a runtime profile: the package that owns the app's program, and the
 * packages it depends on, say which data and config files the program reads (nginx's /etc/nginx,
 * mime.types, its html root) where static analysis sees only code. The base system (Essential and
 * required/important packages and everything they depend on, libc6 included) is not followed: the
 * parts of it the app uses are found by the ELF analysis. Documentation and service-manager files
 * (init scripts, systemd units, logrotate) are skipped: a single-app VM has no service manager, and
 * their shell commands would pull in tools the app never runs.
 */
final class DpkgProfile {
  private static final List<String> DOC_PREFIXES =
      List.of(
          "/usr/share/doc/",
          "/usr/share/man/",
          "/usr/share/info/",
          "/usr/share/locale/",
          "/usr/share/lintian/",
          "/usr/share/bug/",
          "/etc/init.d/",
          "/etc/rc",
          "/etc/systemd/",
          "/lib/systemd/",
          "/usr/lib/systemd/",
          "/etc/logrotate.d/",
          "/etc/ufw/",
          "/etc/default/",
          "/etc/cron");

  private final LibrarySearch reader;
  private final PathResolver resolver;
  private final Map<String, Stanza> packages = new HashMap<>();

  /** One installed package; each dependency is a list of alternatives. */
  record Stanza(String name, boolean base, List<List<String>> depends) {}

  DpkgProfile(LibrarySearch reader, PathResolver resolver) {
    this.reader = reader;
    this.resolver = resolver;
    String status = reader.readText("/var/lib/dpkg/status", 64 << 20);
    if (status != null) {
      parseStatus(status);
      markBase();
    }
  }

  /** Extends "base" from Essential/required/important packages to everything they depend on. */
  private void markBase() {
    Deque<String> queue = new ArrayDeque<>();
    packages.values().stream().filter(Stanza::base).map(Stanza::name).forEach(queue::add);
    Set<String> seen = new java.util.HashSet<>();
    while (!queue.isEmpty()) {
      String p = queue.poll();
      Stanza s = packages.get(p);
      if (s == null || !seen.add(p)) {
        continue;
      }
      if (!s.base()) {
        packages.put(p, new Stanza(p, true, s.depends()));
      }
      for (List<String> alternatives : s.depends()) {
        alternatives.stream().filter(packages::containsKey).findFirst().ifPresent(queue::add);
      }
    }
  }

  boolean present() {
    return !packages.isEmpty();
  }

  /** The files to keep for the app whose program is {@code program}, with reasons. */
  Map<String, String> filesFor(Node program) {
    Map<String, String> out = new LinkedHashMap<>();
    String owner = ownerOf(program);
    if (owner == null || packages.get(owner) == null || packages.get(owner).base()) {
      return out;
    }
    Set<String> closure = new LinkedHashSet<>();
    Deque<String> queue = new ArrayDeque<>(List.of(owner));
    while (!queue.isEmpty() && closure.size() < 500) {
      String p = queue.poll();
      Stanza s = packages.get(p);
      if (s == null || s.base() || !closure.add(p)) {
        continue;
      }
      for (List<String> alternatives : s.depends()) {
        alternatives.stream().filter(packages::containsKey).findFirst().ifPresent(queue::add);
      }
    }
    for (String p : closure) {
      String why =
          p.equals(owner)
              ? "runtime profile: Debian package " + p + " (owns " + program.path() + ")"
              : "runtime profile: Debian package " + p + " (dependency of " + owner + ")";
      for (String path : listOf(p)) {
        if (DOC_PREFIXES.stream().noneMatch(path::startsWith)) {
          out.putIfAbsent(path, why);
          // Maintainer scripts add files to a package's /etc directory (nginx's
          // sites-enabled/default), so the whole directory is the package's config.
          String[] parts = path.split("/");
          if (parts.length > 3 && parts[1].equals("etc")) {
            out.putIfAbsent("/etc/" + parts[2] + "/", "config directory of Debian package " + p);
          }
        }
      }
    }
    return out;
  }

  private String ownerOf(Node program) {
    Map<Node, String> owners = new IdentityHashMap<>();
    for (String p : packages.keySet()) {
      for (String path : listOf(p)) {
        Node n = resolver.resolve(path).node();
        if (n == program) {
          owners.put(n, p);
        }
      }
    }
    return owners.get(program);
  }

  private List<String> listOf(String pkg) {
    String text = reader.readSmall("/var/lib/dpkg/info/" + pkg + ".list");
    if (text == null) {
      text = reader.readSmall("/var/lib/dpkg/info/" + pkg + ":amd64.list");
    }
    List<String> out = new ArrayList<>();
    if (text != null) {
      for (String line : text.split("\n")) {
        if (line.startsWith("/") && line.length() > 1) {
          out.add(line);
        }
      }
    }
    return out;
  }

  private void parseStatus(String status) {
    for (String block : status.split("\n\n")) {
      Map<String, String> f = new HashMap<>();
      String last = null;
      for (String line : block.split("\n")) {
        if ((line.startsWith(" ") || line.startsWith("\t")) && last != null) {
          continue; // continuation lines (Description, Conffiles) are not needed
        }
        int colon = line.indexOf(':');
        if (colon > 0) {
          last = line.substring(0, colon);
          f.put(last, line.substring(colon + 1).trim());
        }
      }
      String name = f.get("Package");
      if (name == null || !String.valueOf(f.get("Status")).endsWith(" installed")) {
        continue;
      }
      boolean base =
          "yes".equals(f.get("Essential"))
              || "required".equals(f.get("Priority"))
              || "important".equals(f.get("Priority"));
      List<List<String>> deps = new ArrayList<>();
      for (String field : List.of("Pre-Depends", "Depends")) {
        String v = f.get(field);
        if (v == null) {
          continue;
        }
        for (String dep : v.split(",")) {
          // "a (>= 1) | b:any": names only; the first installed alternative is followed
          List<String> alternatives = new ArrayList<>();
          for (String alt : dep.split("\\|")) {
            String n = alt.trim().split("[\\s(:]", 2)[0];
            if (!n.isEmpty()) {
              alternatives.add(n);
            }
          }
          deps.add(alternatives);
        }
      }
      packages.put(name, new Stanza(name, base, deps));
    }
  }
}
