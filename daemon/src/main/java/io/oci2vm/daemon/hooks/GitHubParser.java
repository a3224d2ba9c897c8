package io.oci2vm.daemon.hooks;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * GitHub "package" events for ghcr.io. Every delivery, pings included, must carry {@code
 * X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>}; the signature is checked before
 * the body is parsed. A published container version with a tag is one push of {@code
 * ghcr.io/<namespace>/<name>:<tag>}, lower-cased as ghcr.io requires. The older "registry_package"
 * event has the same shape under its own key and is read the same way.
 */
final class GitHubParser implements SourceParser {
  private static final HookSource SOURCE = HookSource.GITHUB;
  static final String REGISTRY = "ghcr.io";
  static final String SIGNATURE_HEADER = "X-Hub-Signature-256";
  static final String EVENT_HEADER = "X-GitHub-Event";

  private final String secret;

  GitHubParser(String secret) {
    this.secret = secret;
  }

  @Override
  public List<PushEvent> parse(Delivery delivery) {
    authenticate(delivery.header(SIGNATURE_HEADER), delivery.body());
    String event = delivery.header(EVENT_HEADER);
    if (event == null || event.isBlank()) {
      throw HookException.badWebhook("github webhook lacks the " + EVENT_HEADER + " header");
    }
    if (!event.equals("package") && !event.equals("registry_package")) {
      return List.of(); // ping, or another event the hook is subscribed to
    }
    JsonNode root = Json.object(SOURCE.id(), delivery.body());
    if (!"published".equals(Json.text(SOURCE.id(), root, "action"))) {
      return List.of();
    }
    if (!root.path(event).isObject()) {
      throw HookException.badWebhook(
          "github " + event + " webhook lacks " + event + " (an object)");
    }
    String type = Json.text(SOURCE.id(), root, event + ".package_type");
    if (!type.equalsIgnoreCase("container")) {
      return List.of();
    }
    String version = event + ".package_version.";
    String tag = Json.optText(root, version + "container_metadata.tag.name");
    if (tag == null) {
      return List.of(); // an untagged version: nothing for a tag rule to match
    }
    String namespace = Json.optText(root, event + ".namespace");
    if (namespace == null) {
      namespace = Json.text(SOURCE.id(), root, event + ".owner.login");
    }
    String name = Json.text(SOURCE.id(), root, event + ".name");
    String digest = Json.optText(root, version + "container_metadata.tag.digest");
    if (digest == null) {
      String v = Json.optText(root, version + "version");
      digest = v != null && v.startsWith("sha256:") ? v : null;
    }
    String repository = (namespace + "/" + name).toLowerCase(Locale.ROOT);
    return List.of(SourceParser.event(SOURCE, REGISTRY, repository, tag, digest));
  }

  private void authenticate(String signature, byte[] body) {
    if (!Secrets.isSet(secret)) {
      throw SourceParser.notConfigured(SOURCE, "github secret");
    }
    if (signature == null) {
      throw HookException.unauthorized(
          "github webhook has no "
              + SIGNATURE_HEADER
              + " header; set the webhook's secret in GitHub");
    }
    if (!Secrets.matches(signatureOf(body), signature.trim())) {
      throw HookException.unauthorized(
          "github webhook's "
              + SIGNATURE_HEADER
              + " does not match the body and configured secret");
    }
  }

  private String signatureOf(byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is unavailable", e);
    }
  }
}
