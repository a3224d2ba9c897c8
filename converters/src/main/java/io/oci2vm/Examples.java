package io.oci2vm;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.oci2vm.internal.write.OciLayoutWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Built-in example images, made without a registry or a Docker engine. */
public final class Examples {
  private static final String HELLO = "/io/oci2vm/demo/hello";

  private Examples() {}

  /**
   * Writes the demo image as an OCI layout at {@code dir} (tag {@code demo}) and returns it as a
   * source: a static program that describes the VM it runs in, the user it runs as and its config,
   * plus documentation a slimmer should drop.
   */
  public static ImageSource demoImage(Path dir) {
    byte[] hello;
    try (InputStream in = Examples.class.getResourceAsStream(HELLO)) {
      if (in == null) {
        throw new Oci2vmException(
            ErrorCode.IO_ERROR,
            "this build has no demo program; rebuild with musl-tools installed");
      }
      hello = in.readAllBytes();
    } catch (IOException e) {
      throw new Oci2vmException(ErrorCode.IO_ERROR, "cannot read the demo program", e);
    }
    List<OciLayoutWriter.Entry> entries = new ArrayList<>();
    entries.add(dir("etc/"));
    entries.add(
        file(
            "etc/passwd",
            0644,
            "root:x:0:0:root:/root:/bin/sh\ndemo:x:1000:1000:oci2vm demo:/home/demo:/bin/sh\n"));
    entries.add(file("etc/group", 0644, "root:x:0:\ndemo:x:1000:\n"));
    entries.add(dir("home/"));
    entries.add(new OciLayoutWriter.Entry("home/demo/", 0755, 1000, 1000, null));
    entries.add(dir("tmp/"));
    entries.add(dir("usr/"));
    entries.add(dir("usr/local/"));
    entries.add(dir("usr/local/bin/"));
    entries.add(new OciLayoutWriter.Entry("usr/local/bin/hello", 0755, 0, 0, hello));
    entries.add(dir("usr/share/"));
    entries.add(dir("usr/share/doc/"));
    entries.add(dir("usr/share/doc/demo/"));
    entries.add(
        file(
            "usr/share/doc/demo/manual.txt",
            0644,
            "A manual nobody reads at run time; slimming drops it.\n".repeat(40_000)));
    ObjectNode runtime = new ObjectMapper().createObjectNode();
    runtime.putArray("Entrypoint").add("/usr/local/bin/hello");
    runtime.putArray("Cmd").add("--from").add("oci2vm demo");
    runtime
        .putArray("Env")
        .add("PATH=/usr/local/bin:/usr/bin:/bin")
        .add("GREETING=Hello from a microVM made by oci2vm!");
    runtime.put("User", "demo");
    runtime.put("WorkingDir", "/home/demo");
    try {
      OciLayoutWriter.write(dir, "demo", entries, runtime);
    } catch (IOException e) {
      throw new Oci2vmException(
          ErrorCode.IO_ERROR, "cannot write the demo image to " + dir + ": " + e.getMessage(), e);
    }
    return ImageSource.ociLayout(dir, "demo");
  }

  private static OciLayoutWriter.Entry dir(String path) {
    return new OciLayoutWriter.Entry(path, 0755, 0, 0, null);
  }

  private static OciLayoutWriter.Entry file(String path, int mode, String content) {
    return new OciLayoutWriter.Entry(path, mode, 0, 0, content.getBytes(StandardCharsets.UTF_8));
  }
}
