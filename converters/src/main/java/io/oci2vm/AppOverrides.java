package io.oci2vm;

import java.util.List;

/**
 * Changes to how the app starts, over what the image config says: {@code null} (or empty for env)
 * keeps the image's value. The same overrides can be given at boot time through the kernel command
 * line of a bundle.
 *
 * @param entrypoint replaces Entrypoint (and then Cmd is dropped unless {@code cmd} is given, as
 *     Docker does)
 * @param cmd replaces Cmd
 * @param env KEY=VALUE pairs added to or replacing the image's Env
 * @param user USER[:GROUP], names or numbers
 * @param workdir replaces WorkingDir
 * @param hostname the VM's hostname (default: the image's repository name)
 * @param network how the VM's first NIC is configured: {@code static} (QEMU user-networking
 *     addresses, the default), {@code dhcp} or {@code none}; null for the default
 */
public record AppOverrides(
    List<String> entrypoint,
    List<String> cmd,
    List<String> env,
    String user,
    String workdir,
    String hostname,
    String network) {
  /** No overrides. */
  public static final AppOverrides NONE =
      new AppOverrides(null, null, List.of(), null, null, null, null);

  /** Overrides with the default network. */
  public AppOverrides(
      List<String> entrypoint,
      List<String> cmd,
      List<String> env,
      String user,
      String workdir,
      String hostname) {
    this(entrypoint, cmd, env, user, workdir, hostname, null);
  }

  /** Copies the lists and checks env entries. */
  public AppOverrides {
    entrypoint = entrypoint == null ? null : List.copyOf(entrypoint);
    cmd = cmd == null ? null : List.copyOf(cmd);
    env = env == null ? List.of() : List.copyOf(env);
    for (String e : env) {
      if (e.indexOf('=') <= 0) {
        throw new Oci2vmException(ErrorCode.BAD_OPTION, "env '" + e + "' is not KEY=VALUE");
      }
    }
    if (network != null && !List.of("static", "dhcp", "none").contains(network)) {
      throw new Oci2vmException(
          ErrorCode.BAD_OPTION, "network '" + network + "' is not static, dhcp or none");
    }
  }

  /** Applies the overrides to an image config. */
  public ImageConfig applyTo(ImageConfig c) {
    List<String> ep = entrypoint != null ? entrypoint : c.entrypoint();
    List<String> cm = cmd != null ? cmd : (entrypoint != null ? List.of() : c.cmd());
    List<String> mergedEnv = new java.util.ArrayList<>(c.env());
    for (String e : env) {
      String key = e.substring(0, e.indexOf('=') + 1);
      mergedEnv.removeIf(x -> x.startsWith(key));
      mergedEnv.add(e);
    }
    return new ImageConfig(
        ep,
        cm,
        mergedEnv,
        workdir != null ? workdir : c.workingDir(),
        user != null ? user : c.user(),
        c.exposedPorts(),
        c.stopSignal(),
        c.labels());
  }
}
