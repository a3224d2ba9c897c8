package io.oci2vm.daemon.hooks;

import static io.oci2vm.daemon.hooks.HookFixtures.read;
import static io.oci2vm.daemon.hooks.HookFixtures.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WebhooksDockerHubTest {
  private static final Map<String, String> TOKEN = Map.of("token", HookFixtures.DOCKERHUB_TOKEN);

  private final Webhooks hooks = HookFixtures.webhooks();

  private List<PushEvent> parse(Map<String, String> query, String fixture) {
    return hooks.parse(HookSource.DOCKERHUB, Map.of(), query, read(fixture));
  }

  @Test
  void parse_push() {
    List<PushEvent> events = parse(TOKEN, "dockerhub-push.json");

    assertEquals(List.of(new PushEvent("dockerhub", null, "acme/app", "v1.4.2", null)), events);
    assertEquals("docker.io/acme/app:v1.4.2", events.get(0).imageReference());
  }

  @Test
  void parse_missingToken() {
    refused(401, "UNAUTHORIZED", () -> parse(Map.of(), "dockerhub-push.json"));
  }

  @Test
  void parse_wrongToken() {
    refused(
        401, "UNAUTHORIZED", () -> parse(Map.of("token", "hub-token-5d11"), "dockerhub-push.json"));
  }

  @Test
  void parse_tokenInHeaderIsNotEnough() {
    refused(
        401,
        "UNAUTHORIZED",
        () ->
            hooks.parse(
                HookSource.DOCKERHUB,
                Map.of("Authorization", "Bearer " + HookFixtures.DOCKERHUB_TOKEN),
                Map.of(),
                read("dockerhub-push.json")));
  }

  @Test
  void parse_missingTagNamesTheField() {
    HookException e = refused(400, "BAD_WEBHOOK", () -> parse(TOKEN, "dockerhub-no-tag.json"));
    assertTrue(e.getMessage().contains("push_data.tag"), e.getMessage());
  }

  @Test
  void parse_malformed() {
    refused(400, "BAD_WEBHOOK", () -> parse(TOKEN, "malformed.json"));
  }

  @Test
  void parse_emptyBody() {
    refused(400, "BAD_WEBHOOK", () -> hooks.parse(HookSource.DOCKERHUB, null, TOKEN, null));
  }

  @Test
  void parse_oversized() {
    Webhooks small = new Webhooks(HookFixtures.SECRETS, List.of(), 64);
    refused(
        413,
        "PAYLOAD_TOO_LARGE",
        () -> small.parse(HookSource.DOCKERHUB, Map.of(), TOKEN, read("dockerhub-push.json")));
  }
}
