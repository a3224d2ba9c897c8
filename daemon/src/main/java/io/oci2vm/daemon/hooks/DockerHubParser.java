package io.oci2vm.daemon.hooks;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * Docker Hub repository webhooks. Docker Hub cannot sign or add headers, and only ever sends
 * pushes, so the secret travels as {@code ?token=} in the webhook URL and every delivery is one
 * push of {@code repository.repo_name:push_data.tag} on docker.io.
 */
final class DockerHubParser implements SourceParser {
  private static final HookSource SOURCE = HookSource.DOCKERHUB;

  private final String token;

  DockerHubParser(String token) {
    this.token = token;
  }

  @Override
  public List<PushEvent> parse(Delivery delivery) {
    QueryToken.check(SOURCE, "dockerhub token", token, delivery);
    JsonNode root = Json.object(SOURCE.id(), delivery.body());
    String tag = Json.text(SOURCE.id(), root, "push_data.tag");
    String repository = Json.text(SOURCE.id(), root, "repository.repo_name");
    return List.of(SourceParser.event(SOURCE, null, repository, tag, null));
  }
}
