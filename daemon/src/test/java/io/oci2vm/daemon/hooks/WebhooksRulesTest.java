package io.oci2vm.daemon.hooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.oci2vm.daemon.store.JobRequest;
import java.util.List;
import org.junit.jupiter.api.Test;

class WebhooksRulesTest {
  private static final String DIGEST =
      "sha256:fea8895f450959fa676bcc1df0611ea93823a735a01205fd8622846041d0c7cf";
  private static final JobRequest QCOW2 =
      new JobRequest(
          "ignored:latest",
          List.of("qcow2", "raw"),
          false,
          List.of("/etc/ssl/**"),
          "registry.example/kernels/cloud:6.1",
          "uefi",
          "4G",
          "linux/arm64",
          "https://ci.example/done");
  private static final JobRequest BUNDLE =
      new JobRequest(null, List.of("bundle"), null, null, null, null, null, null, null);

  private static PushEvent push(String source, String repository, String tag) {
    return new PushEvent(source, "registry.example:5000", repository, tag, DIGEST);
  }

  private static List<String> images(List<HookRule> rules, PushEvent e) {
    return new Webhooks(HookFixtures.SECRETS, rules, 1024)
        .requestsFor(e).stream().map(JobRequest::image).toList();
  }

  private static boolean matches(String repositoryGlob, String tagGlob, String repo, String tag) {
    HookRule rule = new HookRule(null, repositoryGlob, tagGlob, BUNDLE);
    return !images(List.of(rule), push("harbor", repo, tag)).isEmpty();
  }

  @Test
  void requestsFor_singleStarStaysInOneSegment() {
    assertEquals(true, matches("team/*", null, "team/a", "1"));
    assertEquals(false, matches("team/*", null, "team/a/b", "1"));
    assertEquals(false, matches("team/*", null, "other/a", "1"));
    assertEquals(false, matches("team/*", null, "team", "1"));
  }

  @Test
  void requestsFor_doubleStarCrossesSegments() {
    assertEquals(true, matches("team/**", null, "team/a", "1"));
    assertEquals(true, matches("team/**", null, "team/a/b", "1"));
    assertEquals(false, matches("team/**", null, "teammate/a", "1"));
    assertEquals(true, matches("**", null, "x/y/z", "1"));
    assertEquals(true, matches("**/app", null, "app", "1"));
    assertEquals(true, matches("**/app", null, "a/b/app", "1"));
    assertEquals(false, matches("**/app", null, "a/b/webapp", "1"));
    assertEquals(true, matches("team/**/api", null, "team/api", "1"));
    assertEquals(true, matches("team/**/api", null, "team/x/y/api", "1"));
  }

  @Test
  void requestsFor_tagGlob() {
    assertEquals(true, matches("**", "v*", "a", "v1.2.3"));
    assertEquals(false, matches("**", "v*", "a", "latest"));
    assertEquals(true, matches("**", "v?", "a", "v2"));
    assertEquals(false, matches("**", "v?", "a", "v10"));
    assertEquals(true, matches("**", "*", "a", "anything_1.0"));
    assertEquals(true, matches("**", null, "a", "latest"));
  }

  @Test
  void requestsFor_globCharactersOtherThanStarAreLiteral() {
    assertEquals(false, matches("team/a.p", null, "team/axp", "1"));
    assertEquals(true, matches("team/a.p", null, "team/a.p", "1"));
    assertEquals(false, matches("**", "1.0", "a", "1x0"));
  }

  @Test
  void requestsFor_sourceFilter() {
    List<HookRule> rules =
        List.of(
            new HookRule("harbor", "**", "*", BUNDLE),
            new HookRule("GitHub", "**", "*", QCOW2),
            new HookRule("*", "**", "*", BUNDLE),
            new HookRule(null, "**", "*", BUNDLE));

    assertEquals(3, images(rules, push("harbor", "a", "1")).size());
    assertEquals(3, images(rules, push("github", "a", "1")).size());
    assertEquals(2, images(rules, push("quay", "a", "1")).size());
  }

  @Test
  void requestsFor_severalRulesInRuleOrder() {
    List<HookRule> rules =
        List.of(
            new HookRule(null, "team/**", "v*", QCOW2),
            new HookRule(null, "other/**", "*", QCOW2),
            new HookRule("harbor", "team/*", "*", BUNDLE, true));

    Webhooks hooks = new Webhooks(HookFixtures.SECRETS, rules, 1024);
    List<JobRequest> requests = hooks.requestsFor(push("harbor", "team/app", "v2"));

    assertEquals(2, requests.size());
    assertEquals(List.of("qcow2", "raw"), requests.get(0).formats());
    assertEquals("registry.example:5000/team/app:v2", requests.get(0).image());
    assertEquals(List.of("bundle"), requests.get(1).formats());
    assertEquals("registry.example:5000/team/app@" + DIGEST, requests.get(1).image());
  }

  @Test
  void requestsFor_templateFieldsCarriedOver() {
    List<HookRule> rules = List.of(new HookRule(null, "**", "*", QCOW2));

    List<JobRequest> requests =
        new Webhooks(HookFixtures.SECRETS, rules, 1024).requestsFor(push("quay", "team/app", "1"));

    assertEquals(
        List.of(
            new JobRequest(
                "registry.example:5000/team/app:1",
                QCOW2.formats(),
                QCOW2.slim(),
                QCOW2.keep(),
                QCOW2.kernelImage(),
                QCOW2.boot(),
                QCOW2.diskSize(),
                QCOW2.platform(),
                QCOW2.callbackUrl())),
        requests);
  }

  @Test
  void requestsFor_pinDigestWithoutDigestFallsBackToTag() {
    List<HookRule> rules = List.of(new HookRule(null, "**", "*", BUNDLE, true));
    PushEvent hub = new PushEvent("dockerhub", null, "acme/app", "v1", null);

    assertEquals(List.of("docker.io/acme/app:v1"), images(rules, hub));
  }

  @Test
  void requestsFor_digestOnlyPushMatchesOnlyAnyTag() {
    PushEvent byDigest = new PushEvent("distribution", "r.example", "a/b", null, DIGEST);

    assertEquals(
        List.of("r.example/a/b@" + DIGEST),
        images(List.of(new HookRule(null, "**", null, BUNDLE)), byDigest));
    assertEquals(List.of(), images(List.of(new HookRule(null, "**", "v*", BUNDLE)), byDigest));
  }

  @Test
  void requestsFor_noRuleMatches() {
    assertEquals(List.of(), images(List.of(), push("harbor", "a", "1")));
    assertEquals(
        List.of(),
        images(List.of(new HookRule(null, "b/**", "*", BUNDLE)), push("harbor", "a", "1")));
  }

  @Test
  void hookRule_rejectsUnknownSourceAndEmptyGlob() {
    assertThrows(IllegalArgumentException.class, () -> new HookRule("gitlab", "**", "*", BUNDLE));
    assertThrows(IllegalArgumentException.class, () -> new HookRule(null, "", "*", BUNDLE));
    assertThrows(NullPointerException.class, () -> new HookRule(null, "**", "*", null));
  }

  @Test
  void hookRule_defaultsTagAndNormalisesSource() {
    HookRule rule = new HookRule("HARBOR", "**", null, BUNDLE);

    assertEquals("harbor", rule.source());
    assertEquals("*", rule.tag());
    assertEquals(false, rule.pinDigest());
  }
}
