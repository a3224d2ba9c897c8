package io.oci2vm.daemon.hooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import org.junit.jupiter.api.function.Executable;

/** Fixture payloads under src/test/resources/hooks and the secrets the tests configure. */
final class HookFixtures {
  static final String DISTRIBUTION_TOKEN = "dist-token-7f3a";
  static final String HARBOR_AUTH = "Basic aGFyYm9yOnMzY3JldA==";
  static final String GITHUB_SECRET = "gh-secret-91c2";
  static final String DOCKERHUB_TOKEN = "hub-token-5d10";
  static final String QUAY_TOKEN = "quay-token-e4b8";

  static final HookSecrets SECRETS =
      new HookSecrets(DISTRIBUTION_TOKEN, HARBOR_AUTH, GITHUB_SECRET, DOCKERHUB_TOKEN, QUAY_TOKEN);

  static final String DIGEST =
      "sha256:fea8895f450959fa676bcc1df0611ea93823a735a01205fd8622846041d0c7cf";

  private HookFixtures() {}

  static byte[] read(String name) {
    try (InputStream in = HookFixtures.class.getResourceAsStream("/hooks/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("no fixture " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Webhooks webhooks() {
    return new Webhooks(SECRETS, List.of(), Webhooks.DEFAULT_MAX_BODY_BYTES);
  }

  /** Asserts a refusal with the status and code, and that no configured secret leaks into it. */
  static HookException refused(int status, String code, Executable call) {
    HookException e = assertThrows(HookException.class, call);
    assertEquals(status, e.status(), e.getMessage());
    assertEquals(code, e.code(), e.getMessage());
    for (String secret :
        List.of(DISTRIBUTION_TOKEN, HARBOR_AUTH, GITHUB_SECRET, DOCKERHUB_TOKEN, QUAY_TOKEN)) {
      assertFalse(e.getMessage().contains(secret), "message leaks a secret: " + e.getMessage());
    }
    return e;
  }
}
