package io.oci2vm.daemon;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The daemon's settings, with defaults that work with no file: listen on 127.0.0.1:8780, data under
 * ~/.local/share/oci2vm. Read from a JSON file, then environment variables ({@code OCI2VM_*})
 * override single values. Setters return {@code this}, as Vert.x options do.
 */
public final class DaemonConfig {
  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 8780;
  public static final int DEFAULT_QUEUE_CAPACITY = 64;
  public static final int DEFAULT_MAX_ATTEMPTS = 2;
  public static final int DEFAULT_MAX_BODY_BYTES = 1 << 20;
  public static final long DEFAULT_ARTIFACT_MAX_BYTES = 20L << 30;
  public static final long DEFAULT_CACHE_MAX_BYTES = 50L << 30;
  public static final int DEFAULT_SHUTDOWN_GRACE_SECONDS = 30;

  private String host = DEFAULT_HOST;
  private int port = DEFAULT_PORT;
  private Path dataDir = defaultDataDir();
  private Path cacheDir;
  private int workers = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
  private int queueCapacity = DEFAULT_QUEUE_CAPACITY;
  private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
  private int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
  private long artifactMaxBytes = DEFAULT_ARTIFACT_MAX_BYTES;
  private long cacheMaxBytes = DEFAULT_CACHE_MAX_BYTES;
  private int shutdownGraceSeconds = DEFAULT_SHUTDOWN_GRACE_SECONDS;
  private List<String> tokens = new ArrayList<>();
  private List<String> insecureRegistries = new ArrayList<>();
  private String kernelImage;
  private JsonObject hooks = new JsonObject();

  /** ~/.local/share/oci2vm, or $XDG_DATA_HOME/oci2vm. */
  public static Path defaultDataDir() {
    String xdg = System.getenv("XDG_DATA_HOME");
    Path base =
        xdg != null && !xdg.isBlank()
            ? Path.of(xdg)
            : Path.of(System.getProperty("user.home"), ".local", "share");
    return base.resolve("oci2vm");
  }

  /** Reads the settings present in {@code json}; absent ones keep their defaults. */
  public static DaemonConfig fromJson(JsonObject json) {
    DaemonConfig c = new DaemonConfig();
    c.host = json.getString("host", c.host);
    c.port = json.getInteger("port", c.port);
    if (json.containsKey("dataDir")) {
      c.dataDir = Path.of(json.getString("dataDir"));
    }
    if (json.containsKey("cacheDir")) {
      c.cacheDir = Path.of(json.getString("cacheDir"));
    }
    c.workers = json.getInteger("workers", c.workers);
    c.queueCapacity = json.getInteger("queueCapacity", c.queueCapacity);
    c.maxAttempts = json.getInteger("maxAttempts", c.maxAttempts);
    c.maxBodyBytes = json.getInteger("maxBodyBytes", c.maxBodyBytes);
    c.artifactMaxBytes = json.getLong("artifactMaxBytes", c.artifactMaxBytes);
    c.cacheMaxBytes = json.getLong("cacheMaxBytes", c.cacheMaxBytes);
    c.shutdownGraceSeconds = json.getInteger("shutdownGraceSeconds", c.shutdownGraceSeconds);
    c.tokens = strings(json.getJsonArray("tokens"), c.tokens);
    c.insecureRegistries = strings(json.getJsonArray("insecureRegistries"), c.insecureRegistries);
    c.kernelImage = json.getString("kernelImage", c.kernelImage);
    c.hooks = json.getJsonObject("hooks", c.hooks);
    return c.validate();
  }

  /** Applies OCI2VM_LISTEN (host:port), OCI2VM_DATA_DIR, OCI2VM_TOKENS (comma-separated), etc. */
  public DaemonConfig withEnvironment(Map<String, String> env) {
    String listen = env.get("OCI2VM_LISTEN");
    if (listen != null && !listen.isBlank()) {
      int colon = listen.lastIndexOf(':');
      if (colon < 0) {
        throw new IllegalArgumentException("OCI2VM_LISTEN must be HOST:PORT, got " + listen);
      }
      host = listen.substring(0, colon).replaceAll("^\\[|\\]$", "");
      port = Integer.parseInt(listen.substring(colon + 1));
    }
    if (env.containsKey("OCI2VM_DATA_DIR")) {
      dataDir = Path.of(env.get("OCI2VM_DATA_DIR"));
    }
    if (env.containsKey("OCI2VM_CACHE")) {
      cacheDir = Path.of(env.get("OCI2VM_CACHE"));
    }
    if (env.containsKey("OCI2VM_TOKENS")) {
      tokens = new ArrayList<>();
      for (String t : env.get("OCI2VM_TOKENS").split(",")) {
        if (!t.isBlank()) {
          tokens.add(t.trim());
        }
      }
    }
    if (env.containsKey("OCI2VM_WORKERS")) {
      workers = Integer.parseInt(env.get("OCI2VM_WORKERS"));
    }
    return validate();
  }

  private DaemonConfig validate() {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0-65535, got " + port);
    }
    if (workers < 1 || workers > 64) {
      throw new IllegalArgumentException("workers must be 1-64, got " + workers);
    }
    if (queueCapacity < 1) {
      throw new IllegalArgumentException("queueCapacity must be at least 1");
    }
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1");
    }
    for (String t : tokens) {
      if (t.length() < 16) {
        throw new IllegalArgumentException("API tokens must be at least 16 characters");
      }
    }
    return this;
  }

  private static List<String> strings(JsonArray a, List<String> dflt) {
    if (a == null) {
      return dflt;
    }
    List<String> out = new ArrayList<>();
    a.forEach(o -> out.add(String.valueOf(o)));
    return out;
  }

  /** The settings as JSON (tokens and hook secrets are not included). */
  public JsonObject toJson() {
    return new JsonObject()
        .put("host", host)
        .put("port", port)
        .put("dataDir", dataDir.toString())
        .put("cacheDir", cacheDir == null ? null : cacheDir.toString())
        .put("workers", workers)
        .put("queueCapacity", queueCapacity)
        .put("maxAttempts", maxAttempts)
        .put("maxBodyBytes", maxBodyBytes)
        .put("artifactMaxBytes", artifactMaxBytes)
        .put("cacheMaxBytes", cacheMaxBytes)
        .put("shutdownGraceSeconds", shutdownGraceSeconds)
        .put("insecureRegistries", new JsonArray(insecureRegistries))
        .put("kernelImage", kernelImage);
  }

  public String host() {
    return host;
  }

  public DaemonConfig host(String host) {
    this.host = host;
    return this;
  }

  public int port() {
    return port;
  }

  public DaemonConfig port(int port) {
    this.port = port;
    return this;
  }

  public Path dataDir() {
    return dataDir;
  }

  public DaemonConfig dataDir(Path dataDir) {
    this.dataDir = dataDir;
    return this;
  }

  /** The blob and layer cache; null for the converters' default. */
  public Path cacheDir() {
    return cacheDir;
  }

  public DaemonConfig cacheDir(Path cacheDir) {
    this.cacheDir = cacheDir;
    return this;
  }

  public int workers() {
    return workers;
  }

  public DaemonConfig workers(int workers) {
    this.workers = workers;
    return validate();
  }

  public int queueCapacity() {
    return queueCapacity;
  }

  public DaemonConfig queueCapacity(int queueCapacity) {
    this.queueCapacity = queueCapacity;
    return validate();
  }

  public int maxAttempts() {
    return maxAttempts;
  }

  public DaemonConfig maxAttempts(int maxAttempts) {
    this.maxAttempts = maxAttempts;
    return validate();
  }

  public int maxBodyBytes() {
    return maxBodyBytes;
  }

  public DaemonConfig maxBodyBytes(int maxBodyBytes) {
    this.maxBodyBytes = maxBodyBytes;
    return this;
  }

  public long artifactMaxBytes() {
    return artifactMaxBytes;
  }

  public DaemonConfig artifactMaxBytes(long artifactMaxBytes) {
    this.artifactMaxBytes = artifactMaxBytes;
    return this;
  }

  public long cacheMaxBytes() {
    return cacheMaxBytes;
  }

  public DaemonConfig cacheMaxBytes(long cacheMaxBytes) {
    this.cacheMaxBytes = cacheMaxBytes;
    return this;
  }

  public int shutdownGraceSeconds() {
    return shutdownGraceSeconds;
  }

  public DaemonConfig shutdownGraceSeconds(int seconds) {
    this.shutdownGraceSeconds = seconds;
    return this;
  }

  /** Bearer tokens accepted on every endpoint but health; empty means one is generated. */
  public List<String> tokens() {
    return List.copyOf(tokens);
  }

  public DaemonConfig tokens(List<String> tokens) {
    this.tokens = new ArrayList<>(tokens);
    return validate();
  }

  public List<String> insecureRegistries() {
    return List.copyOf(insecureRegistries);
  }

  public DaemonConfig insecureRegistries(List<String> registries) {
    this.insecureRegistries = new ArrayList<>(registries);
    return this;
  }

  /** The kernel OCI image conversions use by default; null for the converters' default. */
  public String kernelImage() {
    return kernelImage;
  }

  public DaemonConfig kernelImage(String kernelImage) {
    this.kernelImage = kernelImage;
    return this;
  }

  /** The "hooks" section: secrets per source and rules. */
  public JsonObject hooks() {
    return hooks.copy();
  }

  public DaemonConfig hooks(JsonObject hooks) {
    this.hooks = hooks.copy();
    return this;
  }
}
