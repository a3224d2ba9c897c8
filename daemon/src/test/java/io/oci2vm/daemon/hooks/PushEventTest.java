package io.oci2vm.daemon.hooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class PushEventTest {
  private static final String DIGEST =
      "sha256:fea8895f450959fa676bcc1df0611ea93823a735a01205fd8622846041d0c7cf";

  @Test
  void imageReference_tagWins() {
    PushEvent e = new PushEvent("harbor", "h.example:8443", "p/app", "v1", DIGEST);

    assertEquals("h.example:8443/p/app:v1", e.imageReference());
    assertEquals("h.example:8443/p/app@" + DIGEST, e.pinnedReference());
  }

  @Test
  void imageReference_digestWhenNoTag() {
    assertEquals(
        "r.example/a@" + DIGEST,
        new PushEvent("x", "r.example", "a", null, DIGEST).imageReference());
  }

  @Test
  void imageReference_dockerHubWhenNoRegistry() {
    assertEquals(
        "docker.io/acme/app:1",
        new PushEvent("dockerhub", null, "acme/app", "1", null).imageReference());
  }

  @Test
  void pushEvent_acceptsIpv6AndPorts() {
    new PushEvent("d", "[::1]:5000", "a", "1", null);
    new PushEvent("d", "localhost", "a__b/c-d.e", "1", null);
  }

  @Test
  void pushEvent_rejectsWhatIsNotAReference() {
    for (List<String> bad :
        List.of(
            List.of("reg example", "a", "1"),
            List.of("r.example/x", "a", "1"),
            List.of("r.example", "Team/App", "1"),
            List.of("r.example", "a//b", "1"),
            List.of("r.example", "a", "1 --rm"),
            List.of("r.example", "a", "-dash"),
            List.of("r.example", "a", "x".repeat(129)))) {
      assertThrows(
          IllegalArgumentException.class,
          () -> new PushEvent("d", bad.get(0), bad.get(1), bad.get(2), null),
          bad.toString());
    }
    assertThrows(
        IllegalArgumentException.class, () -> new PushEvent("d", null, "a", "1", "sha256:xyz"));
    assertThrows(IllegalArgumentException.class, () -> new PushEvent("d", null, "a", null, null));
  }

  @Test
  void parse_knownSourcesInAnyCase() {
    assertEquals(HookSource.DISTRIBUTION, HookSource.parse("distribution"));
    assertEquals(HookSource.DOCKERHUB, HookSource.parse("DockerHub"));
    assertEquals(HookSource.QUAY, HookSource.parse("quay"));
    assertEquals("github", HookSource.GITHUB.id());
  }

  @Test
  void parse_unknownSource() {
    HookException e = assertThrows(HookException.class, () -> HookSource.parse("gitlab\n"));
    assertEquals(404, e.status());
    assertEquals("UNKNOWN_SOURCE", e.code());
    assertFalse(e.getMessage().contains("\n"));
    assertEquals(404, assertThrows(HookException.class, () -> HookSource.parse(null)).status());
  }

  @Test
  void toString_hidesSecrets() {
    String s = HookFixtures.SECRETS.toString();

    assertFalse(s.contains(HookFixtures.GITHUB_SECRET), s);
    assertFalse(s.contains(HookFixtures.HARBOR_AUTH), s);
    assertTrue(s.contains("githubSecret=<set>"), s);
    assertTrue(new HookSecrets(null, "", null, null, null).toString().contains("<unset>"));
  }
}
