package io.oci2vm.cli;

import io.oci2vm.SlimPolicy;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Slimming options shared by rootfs and convert. */
final class SlimOptions {
  @Option(names = "--no-slim", description = "Keep every file of the image.")
  boolean noSlim;

  @Option(
      names = "--keep",
      paramLabel = "GLOB",
      description = "Also keep paths matching GLOB (absolute; *, ?, ** and [..]); repeatable.")
  List<String> keep = new ArrayList<>();

  SlimPolicy policy() {
    return (noSlim ? SlimPolicy.NONE : SlimPolicy.DEFAULT).keep(keep);
  }
}
