package io.oci2vm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlainProgressTest {
  @Test
  void onEvent_pull_oneLinePerStepAndLayerPhase_noCarriageReturnsOrEscapes() {
    StringWriter w = new StringWriter();
    PlainProgress plain = new PlainProgress(new PrintWriter(w));
    SyntheticPull.create().feed(plain);
    plain.finish();
    String out = w.toString();
    assertFalse(out.contains("\r"), out);
    assertFalse(out.contains("\033"), out);
    String id = SyntheticPull.BLOB.shortHex();
    assertEquals(
        List.of(
            "resolving localhost:5000/nginx:latest",
            id + ": downloading 40.0 MiB",
            id + ": downloaded 40.0 MiB",
            id + ": extracting",
            id + ": unpacked 100 MiB",
            SyntheticPull.CACHED.shortHex() + ": cached 3.0 MiB",
            "flattening 2 layers",
            "slimming",
            "writing bundle /tmp/out"),
        out.lines().toList());
  }
}
