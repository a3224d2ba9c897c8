package io.oci2vm.daemon.hooks;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Quay "Repository Push" notifications: one push per entry of {@code updated_tags}, which is a list
 * of tags (current Quay) or an object keyed by tag (older Quay). Quay cannot sign, so the secret
 * travels as {@code ?token=}. Other Quay notifications (builds, scans) have no {@code updated_tags}
 * and give no pushes.
 */
final class QuayParser implements SourceParser {
  private static final HookSource SOURCE = HookSource.QUAY;

  private final String token;

  QuayParser(String token) {
    this.token = token;
  }

  @Override
  public List<PushEvent> parse(Delivery delivery) {
    QueryToken.check(SOURCE, "quay token", token, delivery);
    JsonNode root = Json.object(SOURCE.id(), delivery.body());
    JsonNode updated = root.get("updated_tags");
    if (updated == null || updated.isNull()) {
      return List.of();
    }
    List<String> tags = new ArrayList<>();
    if (updated.isArray()) {
      for (JsonNode t : updated) {
        if (!t.isTextual()) {
          throw HookException.badWebhook("quay webhook's updated_tags holds a non-string");
        }
        tags.add(t.asText());
      }
    } else if (updated.isObject()) {
      for (Iterator<String> names = updated.fieldNames(); names.hasNext(); ) {
        tags.add(names.next());
      }
    } else {
      throw HookException.badWebhook("quay webhook's updated_tags is neither a list nor an object");
    }
    String repository = Json.text(SOURCE.id(), root, "repository");
    String registry =
        SourceParser.host(SOURCE, Json.text(SOURCE.id(), root, "docker_url"), "docker_url");
    List<PushEvent> pushes = new ArrayList<>();
    for (String tag : tags) {
      pushes.add(SourceParser.event(SOURCE, registry, repository, tag, null));
    }
    return List.copyOf(pushes);
  }
}
