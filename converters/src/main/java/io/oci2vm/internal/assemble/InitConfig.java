package io.oci2vm.internal.assemble;

import io.oci2vm.ImageConfig;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The native init's configuration file, {@code /oci2vm/init.conf}: one {@code key=value} a line,
 * lists as repeated keys, values escaped ({@code \\ \n \t \xHH}) so an argument may hold anything.
 * The init in {@code src/main/c/init} reads exactly this format.
 */
public final class InitConfig {
  /** Where the init and its files live inside the initramfs. */
  public static final String DIR = "/oci2vm";

  /** The init binary's path in the initramfs; the kernel is started with rdinit= this. */
  public static final String INIT = DIR + "/init";

  /** The config's path in the initramfs. */
  public static final String CONF = DIR + "/init.conf";

  /** Network settings: static QEMU user-networking defaults unless told otherwise. */
  public record Network(String mode, String address, String gateway, String dns) {
    /** QEMU's user-mode networking: guest 10.0.2.15/24, gateway 10.0.2.2, DNS 10.0.2.3. */
    public static final Network QEMU_USER =
        new Network("static", "10.0.2.15/24", "10.0.2.2", "10.0.2.3");

    /** The network for a mode name: static (QEMU user networking), dhcp or none. */
    public static Network of(String mode) {
      return mode == null || mode.equals("static")
          ? QEMU_USER
          : new Network(mode, null, null, null);
    }
  }

  private InitConfig() {}

  /** Renders the config. */
  static byte[] render(
      ImageConfig app,
      UserResolver.Identity user,
      String hostname,
      List<String> modulePaths,
      Network net) {
    return render(app, user, hostname, modulePaths, net, null);
  }

  /**
   * Renders the config; with {@code rootUuid}, the init mounts the ext4 filesystem of that UUID and
   * switches to it before starting the app.
   */
  static byte[] render(
      ImageConfig app,
      UserResolver.Identity user,
      String hostname,
      List<String> modulePaths,
      Network net,
      String rootUuid) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes("# oci2vm init config\nversion=1\n".getBytes(StandardCharsets.UTF_8));
    line(out, "hostname", hostname);
    app.entrypoint().forEach(a -> line(out, "entrypoint", a));
    app.cmd().forEach(a -> line(out, "cmd", a));
    app.env().forEach(e -> line(out, "env", e));
    line(out, "workdir", app.workingDir().isEmpty() ? "/" : app.workingDir());
    line(out, "uid", Long.toString(user.uid()));
    line(out, "gid", Long.toString(user.gid()));
    line(
        out,
        "groups",
        user.groups().stream().map(String::valueOf).collect(Collectors.joining(",")));
    // A leading '?' marks a driver for hardware the VM may lack: loaded without complaint.
    modulePaths.forEach(
        m -> line(out, m.startsWith("?") ? "module?" : "module", m.replaceFirst("^\\?", "")));
    line(out, "net", net.mode());
    if ("static".equals(net.mode())) {
      line(out, "address", net.address());
      line(out, "gateway", net.gateway());
      line(out, "dns", net.dns());
    }
    if (rootUuid != null) {
      line(out, "root", "UUID=" + rootUuid);
      line(out, "rootfstype", "ext4");
    }
    return out.toByteArray();
  }

  /** Writes {@code key=value\n} with the value's backslashes and control bytes escaped. */
  private static void line(ByteArrayOutputStream out, String key, String value) {
    out.writeBytes((key + "=").getBytes(StandardCharsets.UTF_8));
    for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if (c == '\\') {
        out.writeBytes(new byte[] {'\\', '\\'});
      } else if (c == '\n') {
        out.writeBytes(new byte[] {'\\', 'n'});
      } else if (c == '\t') {
        out.writeBytes(new byte[] {'\\', 't'});
      } else if (c < 0x20 || c == 0x7f) {
        out.writeBytes(String.format("\\x%02x", c).getBytes(StandardCharsets.US_ASCII));
      } else {
        out.write(c);
      }
    }
    out.write('\n');
  }
}
