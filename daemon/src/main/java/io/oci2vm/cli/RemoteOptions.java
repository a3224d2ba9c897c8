package io.oci2vm.cli;

import io.oci2vm.ErrorCode;
import io.oci2vm.Oci2vmException;
import io.oci2vm.client.Oci2vmClient;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the daemon is and how to authenticate: --daemon/OCI2VM_DAEMON, --token/OCI2VM_TOKEN. */
final class RemoteOptions {
  @Option(
      names = "--daemon",
      paramLabel = "URL",
      description = "The oci2vm daemon (default: $OCI2VM_DAEMON, else http://127.0.0.1:8780).")
  String daemon;

  @Option(
      names = "--token",
      paramLabel = "TOKEN",
      description =
          "API token (default: $OCI2VM_TOKEN, else the local daemon's ~/.local/share/oci2vm/token).")
  String token;

  /** Whether a daemon was named (on the command line or in the environment). */
  boolean given() {
    return daemon != null || System.getenv("OCI2VM_DAEMON") != null;
  }

  Oci2vmClient client() {
    String url = daemon != null ? daemon : System.getenv("OCI2VM_DAEMON");
    if (url == null || url.isBlank()) {
      url = "http://127.0.0.1:8780";
    }
    URI uri;
    try {
      uri = URI.create(url.replaceAll("/+$", ""));
      if (uri.getScheme() == null || uri.getHost() == null) {
        throw new IllegalArgumentException();
      }
    } catch (IllegalArgumentException e) {
      throw new Oci2vmException(
          ErrorCode.BAD_OPTION, "--daemon '" + url + "' is not a URL like http://host:8780");
    }
    return Oci2vmClient.builder(uri).token(token(uri)).build();
  }

  private String token(URI uri) {
    if (token != null) {
      return token;
    }
    String env = System.getenv("OCI2VM_TOKEN");
    if (env != null && !env.isBlank()) {
      return env.trim();
    }
    // The local daemon's token file is only ever sent to a daemon on this machine.
    String host = uri.getHost().replaceAll("^\\[|\\]$", "");
    if (!(host.equals("localhost") || host.startsWith("127.") || host.equals("::1"))) {
      return null;
    }
    Path local = io.oci2vm.daemon.DaemonConfig.defaultDataDir().resolve("token");
    try {
      return Files.isReadable(local) ? Files.readString(local).trim() : null;
    } catch (java.io.IOException e) {
      return null;
    }
  }
}
