package io.oci2vm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.oci2vm.ImageConfig;
import io.oci2vm.Layer;
import io.oci2vm.ResolvedImage;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code oci2vm inspect REF}: the resolved image, without pulling layers. */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    description = {
      "Prints the resolved image: platform, digests, layers and how the app starts.",
      "REF is a registry reference (nginx:1.27, ghcr.io/org/app@sha256:...) or",
      "docker-daemon:REF, docker-archive:PATH[:REF], oci:DIR[:TAG], oci-archive:PATH[:TAG]."
    })
final class InspectCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "REF", description = "The image.")
  String ref;

  @Mixin SourceOptions source;

  @Option(names = "--json", description = "Print JSON instead of text.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    ResolvedImage image = source.conversion(ref).inspect();
    if (json) {
      out.println(
          new ObjectMapper()
              .enable(SerializationFeature.INDENT_OUTPUT)
              .writeValueAsString(toJson(image)));
      return 0;
    }
    ImageConfig c = image.config();
    out.printf("Image:        %s%n", image.source());
    out.printf("Platform:     %s%n", image.platform());
    if (image.indexDigest() != null) {
      out.printf("Index:        %s%n", image.indexDigest());
    }
    out.printf(
        "Manifest:     %s%s%n",
        image.manifestDigest(),
        image.manifestSynthesized() ? " (derived from docker-archive)" : "");
    out.printf("Media type:   %s%n", image.manifestMediaType());
    out.printf("Config:       %s%n", image.configDigest());
    out.printf(
        "Layers:       %d, %s compressed%n",
        image.layers().size(), Format.bytes(image.compressedSize()));
    for (Layer l : image.layers()) {
      out.printf(
          "  %s  %10s  %s%n",
          l.blob().digest(), Format.bytes(l.blob().size()), l.blob().mediaType());
    }
    out.printf("Entrypoint:   %s%n", Format.argv(c.entrypoint()));
    out.printf("Cmd:          %s%n", Format.argv(c.cmd()));
    out.printf("Env:          %s%n", c.env().isEmpty() ? "(none)" : c.env().get(0));
    for (String e : c.env().subList(Math.min(1, c.env().size()), c.env().size())) {
      out.printf("              %s%n", e);
    }
    out.printf("WorkingDir:   %s%n", c.workingDir().isEmpty() ? "/" : c.workingDir());
    out.printf("User:         %s%n", c.user().isEmpty() ? "root (default)" : c.user());
    if (!c.exposedPorts().isEmpty()) {
      out.printf("Ports:        %s%n", String.join(", ", c.exposedPorts()));
    }
    return 0;
  }

  static Map<String, Object> toJson(ResolvedImage image) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("source", image.source());
    m.put("platform", image.platform().toString());
    m.put("indexDigest", image.indexDigest() == null ? null : image.indexDigest().toString());
    m.put("manifestDigest", image.manifestDigest().toString());
    m.put("manifestMediaType", image.manifestMediaType());
    m.put("manifestSynthesized", image.manifestSynthesized());
    m.put("configDigest", image.configDigest().toString());
    List<Map<String, Object>> layers = new ArrayList<>();
    for (Layer l : image.layers()) {
      Map<String, Object> lm = new LinkedHashMap<>();
      lm.put("digest", l.blob().digest().toString());
      lm.put("size", l.blob().size());
      lm.put("mediaType", l.blob().mediaType());
      lm.put("diffId", l.diffId().toString());
      layers.add(lm);
    }
    m.put("layers", layers);
    ImageConfig c = image.config();
    Map<String, Object> cm = new LinkedHashMap<>();
    cm.put("entrypoint", c.entrypoint());
    cm.put("cmd", c.cmd());
    cm.put("env", c.env());
    cm.put("workingDir", c.workingDir());
    cm.put("user", c.user());
    cm.put("exposedPorts", c.exposedPorts());
    cm.put("stopSignal", c.stopSignal());
    cm.put("labels", c.labels());
    m.put("config", cm);
    return m;
  }
}
