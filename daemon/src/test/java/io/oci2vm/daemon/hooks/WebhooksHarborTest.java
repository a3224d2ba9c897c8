package io.oci2vm.daemon.hooks;

import static io.oci2vm.daemon.hooks.HookFixtures.read;
import static io.oci2vm.daemon.hooks.HookFixtures.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WebhooksHarborTest {
  private static final Map<String, String> AUTH = Map.of("Authorization", HookFixtures.HARBOR_AUTH);
  private static final String DIGEST =
      "sha256:76525f02955aec223342400a080c73024c995c9db1ba2eabf7505cf3bdf3f1f0";

  private final Webhooks hooks = HookFixtures.webhooks();

  private List<PushEvent> parse(Map<String, String> headers, String fixture) {
    return hooks.parse(HookSource.HARBOR, headers, Map.of(), read(fixture));
  }

  @Test
  void parse_pushArtifact() {
    List<PushEvent> events = parse(AUTH, "harbor-push-artifact.json");

    assertEquals(
        List.of(new PushEvent("harbor", "harbor.example:8443", "project/app", "v2", DIGEST)),
        events);
    assertEquals("harbor.example:8443/project/app:v2", events.get(0).imageReference());
  }

  @Test
  void parse_deleteGivesNothing() {
    assertEquals(List.of(), parse(AUTH, "harbor-delete.json"));
  }

  @Test
  void parse_missingAuthorization() {
    refused(401, "UNAUTHORIZED", () -> parse(Map.of(), "harbor-push-artifact.json"));
  }

  @Test
  void parse_wrongAuthorization() {
    refused(
        401,
        "UNAUTHORIZED",
        () ->
            parse(Map.of("Authorization", "Basic d3Jvbmc6d3Jvbmc="), "harbor-push-artifact.json"));
  }

  @Test
  void parse_authHeaderIsComparedWhole() {
    // The configured value is the whole header, not a token after a scheme.
    refused(
        401,
        "UNAUTHORIZED",
        () ->
            parse(
                Map.of("Authorization", "Bearer " + HookFixtures.HARBOR_AUTH),
                "harbor-push-artifact.json"));
  }

  @Test
  void parse_missingResources() {
    HookException e =
        refused(400, "BAD_WEBHOOK", () -> parse(AUTH, "harbor-push-no-resources.json"));
    assertTrue(e.getMessage().contains("event_data.resources"), e.getMessage());
  }

  @Test
  void parse_cloudEventsFormatIsExplained() {
    HookException e = refused(400, "BAD_WEBHOOK", () -> parse(AUTH, "harbor-cloudevents.json"));
    assertTrue(e.getMessage().contains("Default"), e.getMessage());
  }

  @Test
  void parse_malformed() {
    refused(400, "BAD_WEBHOOK", () -> parse(AUTH, "malformed.json"));
  }

  @Test
  void parse_oversized() {
    Webhooks small = new Webhooks(HookFixtures.SECRETS, List.of(), 128);
    refused(
        413,
        "PAYLOAD_TOO_LARGE",
        () -> small.parse(HookSource.HARBOR, AUTH, Map.of(), read("harbor-push-artifact.json")));
  }
}
