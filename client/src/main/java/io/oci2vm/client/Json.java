package io.oci2vm.client;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * The API's JSON to and from the client's records, by hand: fields the client does not know are
 * ignored, and it needs no Jackson modules or annotations.
 */
final class Json {
  static final ObjectMapper MAPPER =
      new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private Json() {}

  static byte[] body(ConversionRequest r) {
    ObjectNode o = MAPPER.createObjectNode().put("image", r.image());
    if (!r.formats().isEmpty()) {
      ArrayNode a = o.putArray("formats");
      r.formats().forEach(a::add);
    }
    if (r.slim() != null) {
      o.put("slim", r.slim());
    }
    if (!r.keep().isEmpty()) {
      ArrayNode a = o.putArray("keep");
      r.keep().forEach(a::add);
    }
    putIfSet(o, "kernelImage", r.kernelImage());
    putIfSet(o, "boot", r.boot());
    putIfSet(o, "diskSize", r.diskSize());
    putIfSet(o, "platform", r.platform());
    putIfSet(o, "callbackUrl", r.callbackUrl());
    try {
      return MAPPER.writeValueAsBytes(o);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e); // a tree of strings always serialises
    }
  }

  static Job job(JsonNode n) {
    List<Artifact> artifacts = new ArrayList<>();
    for (JsonNode a : n.path("artifacts")) {
      String url = text(a, "url");
      artifacts.add(
          new Artifact(
              text(a, "name"),
              text(a, "format"),
              a.path("size").asLong(0),
              text(a, "sha256"),
              url == null ? null : URI.create(url)));
    }
    JsonNode e = n.get("error");
    ErrorInfo error =
        e == null || !e.isObject() ? null : new ErrorInfo(text(e, "code"), text(e, "message"));
    JsonNode r = n.get("request");
    return new Job(
        text(n, "id"),
        JobState.valueOf(text(n, "state")),
        r == null || !r.isObject() || text(r, "image") == null ? null : request(r),
        text(n, "trigger"),
        text(n, "imageDigest"),
        text(n, "sharedWith"),
        instant(n, "created"),
        instant(n, "updated"),
        n.path("attempts").asInt(0),
        n.path("cancelRequested").asBoolean(false),
        artifacts,
        error);
  }

  static JobPage page(JsonNode n) {
    List<Job> items = new ArrayList<>();
    for (JsonNode j : n.path("items")) {
      items.add(job(j));
    }
    return new JobPage(items, text(n, "next"));
  }

  static ConversionRequest request(JsonNode n) {
    JsonNode slim = n.get("slim");
    return new ConversionRequest(
        text(n, "image"),
        strings(n.path("formats")),
        slim == null || slim.isNull() ? null : slim.asBoolean(),
        strings(n.path("keep")),
        text(n, "kernelImage"),
        text(n, "boot"),
        text(n, "diskSize"),
        text(n, "platform"),
        text(n, "callbackUrl"));
  }

  /** The {@code error} object of an error answer, or null if the body is not one. */
  static ErrorInfo error(byte[] body) {
    try {
      JsonNode e = MAPPER.readTree(body).get("error");
      return e == null || !e.isObject() ? null : new ErrorInfo(text(e, "code"), text(e, "message"));
    } catch (java.io.IOException | RuntimeException e) {
      return null;
    }
  }

  private static void putIfSet(ObjectNode o, String field, String value) {
    if (value != null) {
      o.put(field, value);
    }
  }

  private static List<String> strings(JsonNode a) {
    List<String> out = new ArrayList<>();
    a.forEach(s -> out.add(s.asText()));
    return out;
  }

  static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  private static Instant instant(JsonNode n, String field) {
    String s = text(n, field);
    try {
      return s == null ? null : Instant.parse(s);
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
