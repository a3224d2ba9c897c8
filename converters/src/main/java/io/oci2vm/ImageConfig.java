package io.oci2vm;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The runtime parts of an image config that decide how the app starts.
 *
 * @param entrypoint Entrypoint, empty when unset
 * @param cmd Cmd, empty when unset
 * @param env Env as KEY=VALUE strings, in order
 * @param workingDir WorkingDir, empty for /
 * @param user User (name, uid, name:group or uid:gid), empty for root
 * @param exposedPorts ExposedPorts keys such as 80/tcp
 * @param stopSignal StopSignal, empty when unset
 * @param labels Labels
 */
public record ImageConfig(
    List<String> entrypoint,
    List<String> cmd,
    List<String> env,
    String workingDir,
    String user,
    List<String> exposedPorts,
    String stopSignal,
    Map<String, String> labels) {

  /** The PATH Docker uses when an image sets none. */
  public static final String DEFAULT_PATH =
      "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  /** Copies the lists. */
  public ImageConfig {
    entrypoint = List.copyOf(entrypoint);
    cmd = List.copyOf(cmd);
    env = List.copyOf(env);
    workingDir = workingDir == null ? "" : workingDir;
    user = user == null ? "" : user;
    exposedPorts = List.copyOf(exposedPorts);
    stopSignal = stopSignal == null ? "" : stopSignal;
    labels = Map.copyOf(labels);
  }

  /** Entrypoint followed by Cmd: the argv the container runtime would run. */
  public List<String> argv() {
    return java.util.stream.Stream.concat(entrypoint.stream(), cmd.stream()).toList();
  }

  /** The value of an Env variable, if set. */
  public Optional<String> envValue(String key) {
    String prefix = key + "=";
    for (int i = env.size() - 1; i >= 0; i--) {
      if (env.get(i).startsWith(prefix)) {
        return Optional.of(env.get(i).substring(prefix.length()));
      }
    }
    return Optional.empty();
  }

  /** PATH from Env, or Docker's default. */
  public String path() {
    return envValue("PATH").orElse(DEFAULT_PATH);
  }
}
