package io.oci2vm.client;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ReadmeTest {
  @Test
  void readme_showsTheExampleAsItCompiles() throws Exception {
    String example = Files.readString(Path.of("src/test/java/io/oci2vm/client/Example.java"));
    String shown = example.substring(example.indexOf("import "));
    String readme = Files.readString(Path.of("README.md"));
    assertTrue(
        readme.contains("```java\n" + shown + "```"),
        "README.md's example differs from Example.java: copy it over");
  }
}
