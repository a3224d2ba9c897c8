package io.oci2vm.internal.kernel;

import io.oci2vm.ErrorCode;
import io.oci2vm.Oci2vmException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;
import org.apache.commons.compress.compressors.zstandard.ZstdCompressorInputStream;

/**
 * The kernel modules a VM needs, with their dependencies, in load order: read from modules.dep
 * (dependencies first, as modprobe loads them) with built-in drivers (modules.builtin) skipped.
 */
public final class KernelModules {
  /** A module to load: its name and where its file is. */
  public record Module(String name, Path file) {
    /** The module's bytes, decompressed (.ko.xz, .ko.zst, .ko.gz are accepted). */
    public InputStream open() throws IOException {
      InputStream in = Files.newInputStream(file);
      String n = file.getFileName().toString();
      if (n.endsWith(".xz")) {
        return new XZCompressorInputStream(in);
      }
      if (n.endsWith(".zst")) {
        return new ZstdCompressorInputStream(in);
      }
      if (n.endsWith(".gz")) {
        return new GzipCompressorInputStream(in);
      }
      return in;
    }
  }

  private final Kernel kernel;
  private final Map<String, String> pathByName = new HashMap<>();
  private final Map<String, List<String>> deps = new HashMap<>();
  private final Set<String> builtin = new HashSet<>();

  /** Reads the kernel's module index; a kernel without modules has only built-in drivers. */
  public KernelModules(Kernel kernel) {
    this.kernel = kernel;
    if (kernel.modules() == null) {
      return;
    }
    try {
      for (String line : Files.readAllLines(kernel.modules().resolve("modules.dep"))) {
        int colon = line.indexOf(':');
        if (colon < 0) {
          continue;
        }
        String path = line.substring(0, colon).trim();
        List<String> d = new ArrayList<>();
        for (String dep : line.substring(colon + 1).trim().split("\\s+")) {
          if (!dep.isEmpty()) {
            d.add(nameOf(dep));
          }
        }
        pathByName.put(nameOf(path), path);
        deps.put(nameOf(path), d);
      }
      Path b = kernel.modules().resolve("modules.builtin");
      if (Files.isRegularFile(b)) {
        for (String line : Files.readAllLines(b)) {
          if (!line.isBlank()) {
            builtin.add(nameOf(line.trim()));
          }
        }
      }
    } catch (IOException e) {
      throw new Oci2vmException(
          ErrorCode.KERNEL_UNSUITABLE,
          "cannot read the module index of kernel " + kernel.release() + ": " + e.getMessage(),
          e);
    }
  }

  /** Whether the driver is built into the kernel, as far as the index or config says. */
  public boolean isBuiltIn(String name, String configOption) {
    return builtin.contains(normalise(name)) || kernel.builtIn(configOption);
  }

  /**
   * The modules to load for {@code required} drivers (each given as module name and CONFIG_ option)
   * and {@code optional} ones, dependencies first. A required driver that is neither built in nor a
   * module is an error; an optional one is skipped.
   */
  public List<Module> resolve(Map<String, String> required, Map<String, String> optional) {
    LinkedHashMap<String, Module> order = new LinkedHashMap<>();
    for (var e : required.entrySet()) {
      if (!add(e.getKey(), e.getValue(), order, new HashSet<>())) {
        throw new Oci2vmException(
            ErrorCode.KERNEL_UNSUITABLE,
            "kernel "
                + kernel.release()
                + " ("
                + kernel.origin()
                + ") has no "
                + e.getKey()
                + " driver: it is neither built in"
                + (kernel.modules() == null
                    ? " (as far as its config says) and no modules directory was given (--modules)"
                    : " nor a module in " + kernel.modules()));
      }
    }
    for (var e : optional.entrySet()) {
      add(e.getKey(), e.getValue(), order, new HashSet<>());
    }
    return List.copyOf(order.values());
  }

  private boolean add(String name, String option, Map<String, Module> order, Set<String> visiting) {
    String n = normalise(name);
    if (builtin.contains(n) || (option != null && kernel.builtIn(option))) {
      return true;
    }
    if (kernel.modules() == null && kernel.config().isEmpty()) {
      return true; // nothing to check against: a bare bzImage is assumed to have what it needs
    }
    String path = pathByName.get(n);
    if (path == null) {
      return false;
    }
    if (order.containsKey(n) || !visiting.add(n)) {
      return true;
    }
    List<String> d = deps.getOrDefault(n, List.of());
    // modprobe loads the last listed dependency first
    for (int i = d.size() - 1; i >= 0; i--) {
      add(d.get(i), null, order, visiting);
    }
    order.put(n, new Module(n, kernel.modules().resolve(path)));
    return true;
  }

  private static String nameOf(String path) {
    String f = path.substring(path.lastIndexOf('/') + 1);
    int ko = f.indexOf(".ko");
    return normalise(ko < 0 ? f : f.substring(0, ko));
  }

  private static String normalise(String name) {
    return name.replace('-', '_');
  }
}
