package io.oci2vm.daemon.hooks;

import static io.oci2vm.daemon.hooks.HookFixtures.DIGEST;
import static io.oci2vm.daemon.hooks.HookFixtures.read;
import static io.oci2vm.daemon.hooks.HookFixtures.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WebhooksDistributionTest {
  private static final Map<String, String> AUTH =
      Map.of("authorization", "Bearer " + HookFixtures.DISTRIBUTION_TOKEN);

  private final Webhooks hooks = HookFixtures.webhooks();

  private List<PushEvent> parse(Map<String, String> headers, String fixture) {
    return hooks.parse(HookSource.DISTRIBUTION, headers, Map.of(), read(fixture));
  }

  @Test
  void parse_manifestPushAmongBlobs() {
    List<PushEvent> events = parse(AUTH, "distribution-push-manifest.json");

    assertEquals(
        List.of(new PushEvent("distribution", "127.0.0.1:5000", "team/app", "1.0", DIGEST)),
        events);
    assertEquals("127.0.0.1:5000/team/app:1.0", events.get(0).imageReference());
  }

  /** Envelopes captured from Debian's docker-registry 2.8 on a skopeo push of one image. */
  @Test
  void parse_capturedRegistryEnvelopes() {
    assertEquals(List.of(), parse(AUTH, "distribution-captured-push-blob.json"));
    assertEquals(
        List.of(
            new PushEvent(
                "distribution",
                "127.0.0.1:40073",
                "team/app",
                "1.0",
                "sha256:449995021e2ed8e5214b06d88aa2b53a50c740644ea2185b8ad87bbc593c2904")),
        parse(AUTH, "distribution-captured-push-manifest.json"));
  }

  @Test
  void parse_headerNameInAnyCase() {
    Map<String, String> headers =
        Map.of("AUTHORIZATION", "bearer " + HookFixtures.DISTRIBUTION_TOKEN);
    assertEquals(1, parse(headers, "distribution-push-manifest.json").size());
  }

  @Test
  void parse_indexPushIgnoresChildrenPushedByDigest() {
    List<PushEvent> events = parse(AUTH, "distribution-push-index.json");

    assertEquals(
        List.of(new PushEvent("distribution", "registry.example:5000", "team/app", "2.0", DIGEST)),
        events);
  }

  @Test
  void parse_hostFromTargetUrlWhenRequestHostMissing() {
    List<PushEvent> events = parse(AUTH, "distribution-push-url-only.json");

    assertEquals("registry.example:5443", events.get(0).registry());
  }

  @Test
  void parse_blobPushGivesNothing() {
    assertEquals(List.of(), parse(AUTH, "distribution-push-blob.json"));
  }

  @Test
  void parse_pullGivesNothing() {
    assertEquals(List.of(), parse(AUTH, "distribution-pull.json"));
  }

  @Test
  void parse_missingAuthorization() {
    refused(401, "UNAUTHORIZED", () -> parse(Map.of(), "distribution-push-manifest.json"));
  }

  @Test
  void parse_wrongToken() {
    refused(
        401,
        "UNAUTHORIZED",
        () ->
            parse(
                Map.of("Authorization", "Bearer " + HookFixtures.DISTRIBUTION_TOKEN + "x"),
                "distribution-push-manifest.json"));
  }

  @Test
  void parse_tokenWithoutBearerScheme() {
    refused(
        401,
        "UNAUTHORIZED",
        () ->
            parse(
                Map.of("Authorization", HookFixtures.DISTRIBUTION_TOKEN),
                "distribution-push-manifest.json"));
  }

  @Test
  void parse_noTokenConfiguredRefusesEverything() {
    Webhooks unconfigured =
        new Webhooks(
            new HookSecrets(null, "a", "b", "c", "d"), List.of(), Webhooks.DEFAULT_MAX_BODY_BYTES);
    HookException e =
        refused(
            401,
            "UNAUTHORIZED",
            () ->
                unconfigured.parse(
                    HookSource.DISTRIBUTION,
                    Map.of("Authorization", "Bearer "),
                    Map.of(),
                    read("distribution-push-manifest.json")));
    assertTrue(e.getMessage().contains("no distribution token is configured"), e.getMessage());
  }

  @Test
  void parse_malformed() {
    refused(400, "BAD_WEBHOOK", () -> parse(AUTH, "malformed.json"));
  }

  @Test
  void parse_noEventsArray() {
    refused(
        400,
        "BAD_WEBHOOK",
        () -> hooks.parse(HookSource.DISTRIBUTION, AUTH, Map.of(), "{\"x\":1}".getBytes()));
  }

  @Test
  void parse_missingRepositoryNamesTheField() {
    HookException e =
        refused(400, "BAD_WEBHOOK", () -> parse(AUTH, "distribution-push-no-repository.json"));
    assertTrue(e.getMessage().contains("events.0.target.repository"), e.getMessage());
  }

  @Test
  void parse_tagOutsideTheGrammar() {
    refused(400, "BAD_WEBHOOK", () -> parse(AUTH, "distribution-push-bad-tag.json"));
  }

  @Test
  void parse_oversizedBeforeAuthentication() {
    Webhooks small = new Webhooks(HookFixtures.SECRETS, List.of(), 100);
    refused(
        413,
        "PAYLOAD_TOO_LARGE",
        () ->
            small.parse(
                HookSource.DISTRIBUTION,
                Map.of(),
                Map.of(),
                read("distribution-push-manifest.json")));
  }
}
