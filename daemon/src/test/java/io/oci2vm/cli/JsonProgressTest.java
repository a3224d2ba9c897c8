package io.oci2vm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonProgressTest {
  @Test
  void onEvent_pull_everyLineIsAJsonEventWithTheDaemonsFields() throws Exception {
    StringWriter w = new StringWriter();
    SyntheticPull pull = SyntheticPull.create();
    pull.feed(new JsonProgress(new PrintWriter(w), pull.clock::get));
    List<JsonNode> events = new ArrayList<>();
    ObjectMapper json = new ObjectMapper();
    for (String line : w.toString().split("\n")) {
      events.add(json.readTree(line));
    }
    assertEquals("step", events.get(0).get("event").asText());
    assertEquals("resolve", events.get(0).get("stage").asText());
    JsonNode first = events.get(1);
    assertEquals("layer", first.get("event").asText());
    assertEquals(SyntheticPull.BLOB.toString(), first.get("layer").asText());
    assertEquals("DOWNLOADING", first.get("phase").asText());
    assertEquals(SyntheticPull.DOWNLOAD, first.get("total").asLong());
    assertTrue(
        events.stream()
            .anyMatch(
                e ->
                    "DOWNLOADING".equals(e.path("phase").asText())
                        && e.get("done").asLong() == SyntheticPull.DOWNLOAD),
        "the last byte of a download is always reported");
    assertTrue(events.stream().anyMatch(e -> "DONE".equals(e.path("phase").asText())));
    assertTrue(events.stream().anyMatch(e -> "CACHED".equals(e.path("phase").asText())));
    assertEquals("writing bundle /tmp/out", events.get(events.size() - 1).get("message").asText());
  }

  @Test
  void onEvent_updatesFiftyMillisecondsApart_keepsAboutHalf() {
    StringWriter w = new StringWriter();
    SyntheticPull pull = SyntheticPull.create();
    pull.feed(new JsonProgress(new PrintWriter(w), pull.clock::get));
    long downloads = w.toString().lines().filter(l -> l.contains("DOWNLOADING")).count();
    assertTrue(downloads >= 19 && downloads <= 22, "40 updates 50 ms apart: " + downloads);
  }

  @Test
  void errorJson_isOneObjectWithCodeAndMessage() throws Exception {
    JsonNode e =
        new ObjectMapper().readTree(OutputOptions.errorJson("NOT_FOUND", "no \"such\" image"));
    assertEquals("NOT_FOUND", e.get("error").get("code").asText());
    assertEquals("no \"such\" image", e.get("error").get("message").asText());
  }
}
