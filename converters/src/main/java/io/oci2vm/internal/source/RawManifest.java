package io.oci2vm.internal.source;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonSerializable;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.jsontype.TypeSerializer;
import com.google.cloud.tools.jib.image.json.ManifestTemplate;
import io.oci2vm.ErrorCode;
import io.oci2vm.Oci2vmException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * A manifest for jib's {@code RegistryClient.pushManifest} that serialises to exactly the bytes it
 * was read from. jib writes a {@link ManifestTemplate} with its own Jackson {@code ObjectMapper}
 * (for the request body and for the digest it expects back); its templates drop fields such as
 * annotations and would reorder the rest, which changes the digest. Jackson serialises a {@link
 * JsonSerializable} by calling it, ahead of bean introspection, so this writes the original JSON
 * raw and the pushed manifest keeps its digest.
 */
final class RawManifest implements ManifestTemplate, JsonSerializable {
  private final String json;
  private final String mediaType;
  private final int schemaVersion;

  /**
   * @param bytes the manifest exactly as stored; must be UTF-8, as JSON on the wire is
   * @param mediaType sent as the request's Content-Type
   * @param schemaVersion the manifest's {@code schemaVersion}
   * @param what names the manifest in error messages
   * @throws Oci2vmException with {@link ErrorCode#MALFORMED_MANIFEST} if the bytes are not UTF-8
   */
  RawManifest(byte[] bytes, String mediaType, int schemaVersion, String what) {
    try {
      // Strict decoding: a string that re-encodes to other bytes would change the digest.
      this.json =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes))
              .toString();
    } catch (CharacterCodingException e) {
      throw new Oci2vmException(ErrorCode.MALFORMED_MANIFEST, what + " is not UTF-8 JSON", e);
    }
    this.mediaType = mediaType;
    this.schemaVersion = schemaVersion;
  }

  @Override
  public int getSchemaVersion() {
    return schemaVersion;
  }

  @Override
  public String getManifestMediaType() {
    return mediaType;
  }

  @Override
  public void serialize(JsonGenerator gen, SerializerProvider serializers) throws IOException {
    gen.writeRawValue(json);
  }

  @Override
  public void serializeWithType(
      JsonGenerator gen, SerializerProvider serializers, TypeSerializer typeSer)
      throws IOException {
    serialize(gen, serializers);
  }
}
