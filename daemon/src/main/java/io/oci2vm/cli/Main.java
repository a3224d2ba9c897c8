package io.oci2vm.cli;

import io.oci2vm.Oci2vmException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code oci2vm} executable. */
@Command(
    name = "oci2vm",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Turns a container image into a single-purpose microVM image.",
    subcommands = {
      InspectCommand.class,
      RootfsCommand.class,
      ConvertCommand.class,
      BootCommand.class,
      DemoCommand.class,
      KernelCommand.class,
      ServeCommand.class,
      RemoteCommands.Submit.class,
      RemoteCommands.Status.class,
      RemoteCommands.Wait.class,
      RemoteCommands.Logs.class,
      RemoteCommands.Download.class,
      RemoteCommands.Ls.class,
      RemoteCommands.Cancel.class,
      CommandLine.HelpCommand.class
    },
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {
      "0:success",
      "1:the command failed; the message starts with an error code such as DIGEST_MISMATCH",
      "2:the command line is wrong",
      "n:oci2vm boot exits with the app's own status"
    })
public final class Main {
  /** Exit status when a conversion fails with an {@link Oci2vmException}. */
  static final int EXIT_FAILED = 1;

  /** Exit status for a wrong command line. */
  static final int EXIT_USAGE = 2;

  private Main() {}

  /** Runs the command line and exits with its status. */
  public static void main(String[] args) {
    // Vert.x would pick up the SLF4J API (a jib dependency) without a binding and warn; the JDK's
    // logging is enough for a command-line tool.
    System.setProperty(
        "vertx.logger-delegate-factory-class-name", "io.vertx.core.logging.JULLogDelegateFactory");
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs the command line with the given output streams; returns the exit status. */
  static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cli = new CommandLine(new Main());
    cli.setOut(out);
    cli.setErr(err);
    cli.setExitCodeExceptionMapper(e -> EXIT_FAILED);
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          // With --json, stderr holds JSON lines only: the error is one more.
          boolean json = commandLine.getParseResult().hasMatchedOption("--json");
          if (e instanceof Oci2vmException o) {
            commandLine
                .getErr()
                .println(
                    json
                        ? OutputOptions.errorJson(o.code().name(), o.detail())
                        : "oci2vm: " + o.getMessage());
            return EXIT_FAILED;
          }
          if (json) {
            commandLine.getErr().println(OutputOptions.errorJson("INTERNAL", e.toString()));
            return EXIT_FAILED;
          }
          if (e instanceof io.oci2vm.client.Oci2vmClientException c) {
            // The daemon's own error code when it sent one; else the HTTP status or transport.
            String code =
                c.code() != null
                    ? c.code()
                    : c.status() > 0 ? "HTTP_" + c.status() : "DAEMON_UNREACHABLE";
            commandLine.getErr().println("oci2vm: " + code + ": " + c.getMessage());
            return EXIT_FAILED;
          }
          commandLine.getErr().println("oci2vm: internal error: " + e);
          e.printStackTrace(commandLine.getErr());
          return EXIT_FAILED;
        });
    cli.setParameterExceptionHandler(
        (e, a) -> {
          if (java.util.Arrays.asList(a).contains("--json")) {
            e.getCommandLine().getErr().println(OutputOptions.errorJson("USAGE", e.getMessage()));
            return EXIT_USAGE;
          }
          e.getCommandLine().getErr().println("oci2vm: " + e.getMessage());
          e.getCommandLine().usage(e.getCommandLine().getErr());
          return EXIT_USAGE;
        });
    return cli.execute(args);
  }

  /** Reads the version from the jar manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"oci2vm " + (v == null ? "development build" : v)};
    }
  }
}
