package io.oci2vm.daemon.hooks;

import static io.oci2vm.daemon.hooks.HookFixtures.read;
import static io.oci2vm.daemon.hooks.HookFixtures.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class WebhooksGitHubTest {
  private static final String DIGEST =
      "sha256:ceebe538c5f4c3b32dba99b9c3b1d7401d6815db8d7240e8854c87b570a991e9";

  private final Webhooks hooks = HookFixtures.webhooks();

  /** The signature GitHub sends, computed here independently of the code under test. */
  private static String sign(String secret, byte[] body) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    StringBuilder hex = new StringBuilder("sha256=");
    for (byte b : mac.doFinal(body)) {
      hex.append(String.format("%02x", b));
    }
    return hex.toString();
  }

  private static Map<String, String> headers(String event, String signature) {
    Map<String, String> h = new HashMap<>();
    h.put("X-GitHub-Event", event);
    h.put("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958");
    if (signature != null) {
      h.put("X-Hub-Signature-256", signature);
    }
    return h;
  }

  private List<PushEvent> signedParse(String event, String fixture) throws Exception {
    byte[] body = read(fixture);
    return hooks.parse(
        HookSource.GITHUB, headers(event, sign(HookFixtures.GITHUB_SECRET, body)), Map.of(), body);
  }

  @Test
  void parse_packagePublished() throws Exception {
    List<PushEvent> events = signedParse("package", "github-package-published.json");

    assertEquals(
        List.of(new PushEvent("github", "ghcr.io", "octo-org/app", "v3.1.0", DIGEST)), events);
    assertEquals("ghcr.io/octo-org/app:v3.1.0", events.get(0).imageReference());
  }

  @Test
  void parse_pingIsAuthenticatedButEmpty() throws Exception {
    assertEquals(List.of(), signedParse("ping", "github-ping.json"));
  }

  @Test
  void parse_unsignedPingRefused() {
    refused(
        401,
        "UNAUTHORIZED",
        () ->
            hooks.parse(
                HookSource.GITHUB, headers("ping", null), Map.of(), read("github-ping.json")));
  }

  @Test
  void parse_untaggedVersionGivesNothing() throws Exception {
    assertEquals(List.of(), signedParse("package", "github-package-untagged.json"));
  }

  @Test
  void parse_npmPackageGivesNothing() throws Exception {
    assertEquals(List.of(), signedParse("package", "github-package-npm.json"));
  }

  @Test
  void parse_updatedActionGivesNothing() throws Exception {
    assertEquals(List.of(), signedParse("package", "github-package-updated.json"));
  }

  @Test
  void parse_otherEventGivesNothing() throws Exception {
    assertEquals(List.of(), signedParse("push", "github-ping.json"));
  }

  @Test
  void parse_missingSignature() {
    refused(
        401,
        "UNAUTHORIZED",
        () ->
            hooks.parse(
                HookSource.GITHUB,
                headers("package", null),
                Map.of(),
                read("github-package-published.json")));
  }

  @Test
  void parse_signatureWithWrongSecret() throws Exception {
    byte[] body = read("github-package-published.json");
    refused(
        401,
        "UNAUTHORIZED",
        () ->
            hooks.parse(
                HookSource.GITHUB,
                headers("package", sign("not-the-secret", body)),
                Map.of(),
                body));
  }

  @Test
  void parse_signatureOverModifiedBody() throws Exception {
    byte[] body = read("github-package-published.json");
    String signature = sign(HookFixtures.GITHUB_SECRET, body);
    byte[] tampered =
        new String(body, StandardCharsets.UTF_8)
            .replace("v3.1.0", "v3.1.1")
            .getBytes(StandardCharsets.UTF_8);
    refused(
        401,
        "UNAUTHORIZED",
        () -> hooks.parse(HookSource.GITHUB, headers("package", signature), Map.of(), tampered));
  }

  @Test
  void parse_sha1SignatureAloneRefused() {
    byte[] body = read("github-package-published.json");
    Map<String, String> h = headers("package", null);
    h.put("X-Hub-Signature", "sha1=0a4d55a8d778e5022fab701977c5d840bbc486d0");
    refused(401, "UNAUTHORIZED", () -> hooks.parse(HookSource.GITHUB, h, Map.of(), body));
  }

  @Test
  void parse_missingEventHeader() throws Exception {
    byte[] body = read("github-package-published.json");
    Map<String, String> h = headers("package", sign(HookFixtures.GITHUB_SECRET, body));
    h.remove("X-GitHub-Event");
    refused(400, "BAD_WEBHOOK", () -> hooks.parse(HookSource.GITHUB, h, Map.of(), body));
  }

  @Test
  void parse_malformedButSigned() {
    refused(400, "BAD_WEBHOOK", () -> signedParse("package", "malformed.json"));
  }

  @Test
  void parse_oversized() throws Exception {
    byte[] body = read("github-package-published.json");
    Webhooks small = new Webhooks(HookFixtures.SECRETS, List.of(), body.length - 1);
    String signature = sign(HookFixtures.GITHUB_SECRET, body);
    refused(
        413,
        "PAYLOAD_TOO_LARGE",
        () -> small.parse(HookSource.GITHUB, headers("package", signature), Map.of(), body));
    // One byte more of allowance and the same delivery is fine.
    Webhooks exact = new Webhooks(HookFixtures.SECRETS, List.of(), body.length);
    assertEquals(
        1, exact.parse(HookSource.GITHUB, headers("package", signature), Map.of(), body).size());
  }
}
