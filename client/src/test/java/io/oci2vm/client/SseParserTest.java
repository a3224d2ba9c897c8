package io.oci2vm.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseParserTest {
  static List<JobEvent> parse(String stream) {
    SseParser p = new SseParser();
    List<JobEvent> out = new ArrayList<>();
    for (String line : stream.split("\n", -1)) {
      JobEvent e = p.line(line);
      if (e != null) {
        out.add(e);
      }
    }
    return out;
  }

  @Test
  void line_daemonEvents_becomeTypedEvents() {
    List<JobEvent> events =
        parse(
            "event: state\ndata: {\"state\":\"RUNNING\",\"type\":\"state\",\"time\":1700000000000}\n\n"
                + ": keep-alive\n\n"
                + "event: step\ndata: {\"stage\":\"disk\",\"message\":\"writing qcow2\",\"type\":\"step\"}\n\n"
                + "event: layer\ndata: {\"layer\":\"sha256:ab\",\"phase\":\"DOWNLOADING\",\"done\":5,\"total\":9,\"type\":\"layer\"}\n\n"
                + "event: end\ndata: {\"type\":\"end\",\"state\":\"SUCCEEDED\"}\n\n");
    assertEquals(4, events.size(), events.toString());
    assertEquals("state", events.get(0).type());
    assertEquals("RUNNING", events.get(0).state());
    assertEquals(Instant.ofEpochMilli(1_700_000_000_000L), events.get(0).time());
    assertEquals("disk", events.get(1).stage());
    assertEquals("writing qcow2", events.get(1).message());
    assertEquals("sha256:ab", events.get(2).layer());
    assertEquals("DOWNLOADING", events.get(2).phase());
    assertEquals(5, events.get(2).done());
    assertEquals(9, events.get(2).total());
    assertTrue(events.get(3).isEnd());
    assertEquals("SUCCEEDED", events.get(3).state());
    assertNull(events.get(3).stage());
    assertEquals(0, events.get(3).done());
  }

  @Test
  void line_multiLineDataNoSpaceAndUnknownFields() {
    List<JobEvent> events =
        parse("id: 7\nretry: 100\nevent:step\ndata:{\"stage\":\ndata: \"pull\"}\n\n");
    assertEquals(1, events.size());
    assertEquals("step", events.get(0).type());
    assertEquals("pull", events.get(0).stage());
  }

  @Test
  void line_withoutEventField_takesTheTypeFromTheData_orMessage() {
    List<JobEvent> events =
        parse("data: {\"type\":\"state\",\"state\":\"QUEUED\"}\n\ndata: hi\n\n");
    assertEquals("state", events.get(0).type());
    assertEquals("message", events.get(1).type());
    assertEquals("hi", events.get(1).data().asText());
    assertNull(events.get(1).state());
  }

  @Test
  void line_blankLinesWithoutData_dispatchNothing() {
    assertEquals(List.of(), parse("\n\nevent: state\n\n: comment\n\n"));
  }
}
