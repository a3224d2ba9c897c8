package io.oci2vm.cli;

import io.oci2vm.AppOverrides;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** How the app starts, over the image config: shared by convert and boot. */
final class AppOptions {
  @Option(
      names = "--entrypoint",
      paramLabel = "ARG",
      description =
          "Replace the image's Entrypoint; repeat for each word (clears Cmd unless --cmd).")
  List<String> entrypoint;

  @Option(
      names = "--cmd",
      paramLabel = "ARG",
      description = "Replace the image's Cmd; repeat for each word.")
  List<String> cmd;

  @Option(
      names = {"-e", "--env"},
      paramLabel = "KEY=VALUE",
      description = "Set an environment variable for the app; repeatable.")
  List<String> env = new ArrayList<>();

  @Option(
      names = "--user",
      paramLabel = "USER[:GROUP]",
      description = "Run the app as this user (names or numbers).")
  String user;

  @Option(names = "--workdir", paramLabel = "DIR", description = "The app's working directory.")
  String workdir;

  AppOverrides overrides(String hostname, String network) {
    return new AppOverrides(entrypoint, cmd, env, user, workdir, hostname, network);
  }
}
