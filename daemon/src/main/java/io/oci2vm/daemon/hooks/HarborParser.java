package io.oci2vm.daemon.hooks;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Harbor project webhooks in the Default payload format. Only {@code PUSH_ARTIFACT} counts; each
 * resource with a tag is one push, its registry taken from the resource URL's host.
 */
final class HarborParser implements SourceParser {
  private static final HookSource SOURCE = HookSource.HARBOR;
  private static final String PUSH = "PUSH_ARTIFACT";

  private final String authHeader;

  HarborParser(String authHeader) {
    this.authHeader = authHeader;
  }

  @Override
  public List<PushEvent> parse(Delivery delivery) {
    authenticate(delivery.header("Authorization"));
    JsonNode root = Json.object(SOURCE.id(), delivery.body());
    if (root.has("specversion")) {
      throw HookException.badWebhook(
          "harbor webhook uses the CloudEvents payload format; choose Default in the webhook policy");
    }
    if (!PUSH.equals(Json.text(SOURCE.id(), root, "type"))) {
      return List.of();
    }
    String repository = Json.text(SOURCE.id(), root, "event_data.repository.repo_full_name");
    JsonNode resources = Json.at(root, "event_data.resources");
    if (!resources.isArray()) {
      throw HookException.badWebhook("harbor webhook lacks event_data.resources (an array)");
    }
    List<PushEvent> pushes = new ArrayList<>();
    for (int i = 0; i < resources.size(); i++) {
      String at = "event_data.resources." + i + ".";
      String tag = Json.optText(root, at + "tag");
      if (tag == null) {
        continue; // pushed by digest: no tag for a rule to match
      }
      String url = Json.text(SOURCE.id(), root, at + "resource_url");
      String digest = Json.optText(root, at + "digest");
      pushes.add(
          SourceParser.event(
              SOURCE,
              SourceParser.host(SOURCE, url, at + "resource_url"),
              repository,
              tag,
              digest));
    }
    return List.copyOf(pushes);
  }

  private void authenticate(String authorization) {
    if (!Secrets.isSet(authHeader)) {
      throw SourceParser.notConfigured(SOURCE, "harbor auth header");
    }
    if (authorization == null) {
      throw HookException.unauthorized(
          "harbor webhook has no Authorization header; set the webhook's Auth Header in Harbor");
    }
    if (!Secrets.matches(authHeader, authorization)) {
      throw HookException.unauthorized(
          "harbor webhook's Authorization header does not match the configured auth header");
    }
  }
}
