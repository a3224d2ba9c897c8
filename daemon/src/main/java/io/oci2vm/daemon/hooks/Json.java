package io.oci2vm.daemon.hooks;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/** Reads webhook bodies; every failure is a 400 BAD_WEBHOOK that names what is wrong. */
final class Json {
  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private Json() {}

  /** Parses a body that must be a JSON object. */
  static JsonNode object(String source, byte[] body) {
    JsonNode root;
    try {
      root = MAPPER.readTree(body);
    } catch (JacksonException e) {
      // The original message only: the full one quotes the body back.
      throw HookException.badWebhook(
          source + " webhook body is not JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw HookException.badWebhook(source + " webhook body could not be read: " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw HookException.badWebhook(source + " webhook body is not a JSON object");
    }
    return root;
  }

  /** The node at a dotted path, or a missing node. */
  static JsonNode at(JsonNode node, String path) {
    return node.at("/" + path.replace('.', '/'));
  }

  /** The non-empty string at a dotted path, or null when it is absent, null or empty. */
  static String optText(JsonNode node, String path) {
    JsonNode n = at(node, path);
    if (!n.isTextual() || n.asText().isEmpty()) {
      return null;
    }
    return n.asText();
  }

  /** The non-empty string at a dotted path; a 400 naming the path when there is none. */
  static String text(String source, JsonNode node, String path) {
    String s = optText(node, path);
    if (s == null) {
      throw HookException.badWebhook(
          source + " webhook lacks " + path + " (a non-empty string is required)");
    }
    return s;
  }
}
