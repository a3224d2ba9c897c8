package io.oci2vm.daemon.hooks;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * CNCF distribution (docker-registry) notifications: an envelope {@code {"events":[...]}} with one
 * event per blob and one per manifest. Only pushes of a manifest or index by tag become push
 * events; blob pushes, pulls, deletes and pushes by digest (the children of an index) do not.
 */
final class DistributionParser implements SourceParser {
  private static final HookSource SOURCE = HookSource.DISTRIBUTION;

  /**
   * Manifest and index media types; schema 1 manifests are left out as nothing can convert them.
   */
  static final Set<String> MANIFEST_TYPES =
      Set.of(
          "application/vnd.docker.distribution.manifest.v2+json",
          "application/vnd.docker.distribution.manifest.list.v2+json",
          "application/vnd.oci.image.manifest.v1+json",
          "application/vnd.oci.image.index.v1+json");

  private static final String BEARER = "Bearer ";

  private final String token;

  DistributionParser(String token) {
    this.token = token;
  }

  @Override
  public List<PushEvent> parse(Delivery delivery) {
    authenticate(delivery.header("Authorization"));
    JsonNode root = Json.object(SOURCE.id(), delivery.body());
    JsonNode events = root.get("events");
    if (events == null || !events.isArray()) {
      throw HookException.badWebhook(
          "distribution webhook lacks events (an array); is the sender a distribution registry?");
    }
    List<PushEvent> pushes = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      JsonNode event = events.get(i);
      String at = "events." + i + ".";
      if (!"push".equals(Json.optText(event, "action"))) {
        continue;
      }
      String mediaType = Json.optText(event, "target.mediaType");
      String tag = Json.optText(event, "target.tag");
      if (mediaType == null || !MANIFEST_TYPES.contains(baseType(mediaType)) || tag == null) {
        continue;
      }
      String repository = Json.text(SOURCE.id(), root, at + "target.repository");
      String digest = Json.optText(event, "target.digest");
      pushes.add(SourceParser.event(SOURCE, registry(event, at), repository, tag, digest));
    }
    return List.copyOf(pushes);
  }

  private void authenticate(String authorization) {
    if (!Secrets.isSet(token)) {
      throw SourceParser.notConfigured(SOURCE, "distribution token");
    }
    if (authorization == null) {
      throw HookException.unauthorized(
          "distribution webhook has no Authorization header; give the registry's notifications"
              + " endpoint headers: {Authorization: [Bearer <token>]}");
    }
    boolean bearer = authorization.regionMatches(true, 0, BEARER, 0, BEARER.length());
    String presented = bearer ? authorization.substring(BEARER.length()).trim() : null;
    if (!Secrets.matches(token, presented)) {
      throw HookException.unauthorized(
          "distribution webhook's Authorization header does not carry the configured bearer token");
    }
  }

  /** The registry as the pusher addressed it: request.host, else the authority of target.url. */
  private static String registry(JsonNode event, String at) {
    String host = Json.optText(event, "request.host");
    if (host != null) {
      return host;
    }
    String url = Json.optText(event, "target.url");
    if (url != null) {
      try {
        String authority = new URI(url).getRawAuthority();
        if (authority != null) {
          return authority.substring(authority.lastIndexOf('@') + 1);
        }
      } catch (URISyntaxException e) {
        throw HookException.badWebhook(
            "distribution webhook's " + at + "target.url is not a URL: " + e.getReason());
      }
    }
    throw HookException.badWebhook(
        "distribution webhook lacks " + at + "request.host and " + at + "target.url");
  }

  private static String baseType(String mediaType) {
    int semicolon = mediaType.indexOf(';');
    String base = semicolon < 0 ? mediaType : mediaType.substring(0, semicolon);
    return base.trim().toLowerCase(Locale.ROOT);
  }
}
