package io.oci2vm.daemon.hooks;

import static io.oci2vm.daemon.hooks.HookFixtures.read;
import static io.oci2vm.daemon.hooks.HookFixtures.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WebhooksQuayTest {
  private static final Map<String, String> TOKEN = Map.of("token", HookFixtures.QUAY_TOKEN);

  private final Webhooks hooks = HookFixtures.webhooks();

  private List<PushEvent> parse(Map<String, String> query, String fixture) {
    return hooks.parse(HookSource.QUAY, Map.of(), query, read(fixture));
  }

  @Test
  void parse_pushGivesOneEventPerTag() {
    assertEquals(
        List.of(
            new PushEvent("quay", "quay.io", "acme/app", "latest", null),
            new PushEvent("quay", "quay.io", "acme/app", "v5", null)),
        parse(TOKEN, "quay-push.json"));
  }

  @Test
  void parse_legacyObjectOfTags() {
    List<PushEvent> events = parse(TOKEN, "quay-push-legacy.json");

    assertEquals(
        List.of(new PushEvent("quay", "quay.example.com", "acme/app", "v5", null)), events);
  }

  @Test
  void parse_buildNotificationGivesNothing() {
    assertEquals(List.of(), parse(TOKEN, "quay-build-queued.json"));
  }

  @Test
  void parse_missingToken() {
    refused(401, "UNAUTHORIZED", () -> parse(Map.of(), "quay-push.json"));
  }

  @Test
  void parse_wrongToken() {
    refused(401, "UNAUTHORIZED", () -> parse(Map.of("token", "quay"), "quay-push.json"));
  }

  @Test
  void parse_dockerhubTokenDoesNotOpenQuay() {
    refused(
        401,
        "UNAUTHORIZED",
        () -> parse(Map.of("token", HookFixtures.DOCKERHUB_TOKEN), "quay-push.json"));
  }

  @Test
  void parse_missingDockerUrl() {
    HookException e =
        refused(400, "BAD_WEBHOOK", () -> parse(TOKEN, "quay-push-no-docker-url.json"));
    assertTrue(e.getMessage().contains("docker_url"), e.getMessage());
  }

  @Test
  void parse_malformed() {
    refused(400, "BAD_WEBHOOK", () -> parse(TOKEN, "malformed.json"));
  }

  @Test
  void parse_oversized() {
    Webhooks small = new Webhooks(HookFixtures.SECRETS, List.of(), 32);
    refused(
        413,
        "PAYLOAD_TOO_LARGE",
        () -> small.parse(HookSource.QUAY, Map.of(), TOKEN, read("quay-push.json")));
  }
}
