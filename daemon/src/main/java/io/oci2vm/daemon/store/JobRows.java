package io.oci2vm.daemon.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;

/** Jobs to and from rows of the jobs table: JSON for the request and the artifact list. */
final class JobRows {
  /** The columns {@link #job} reads, in table order. */
  static final String COLUMNS =
      "id, state, request, trigger, image_digest, dedupe_key, shared_with, created, updated,"
          + " attempts, cancel_requested, error_code, error_message, artifacts";

  private static final TypeReference<List<Artifact>> ARTIFACTS = new TypeReference<>() {};
  private static final TypeReference<JobRequest> REQUEST = new TypeReference<>() {};

  // rows written by a newer daemon may carry fields this one does not know: ignore, do not fail
  private static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private JobRows() {}

  static Job job(ResultSet rs) throws SQLException {
    String artifacts = rs.getString("artifacts");
    return new Job(
        rs.getString("id"),
        JobState.valueOf(rs.getString("state")),
        read(rs.getString("request"), REQUEST),
        rs.getString("trigger"),
        rs.getString("image_digest"),
        rs.getString("dedupe_key"),
        rs.getString("shared_with"),
        Instant.ofEpochMilli(rs.getLong("created")),
        Instant.ofEpochMilli(rs.getLong("updated")),
        rs.getInt("attempts"),
        rs.getBoolean("cancel_requested"),
        rs.getString("error_code"),
        rs.getString("error_message"),
        artifacts == null ? List.of() : read(artifacts, ARTIFACTS));
  }

  static String json(Object value) {
    try {
      String s = JSON.writeValueAsString(value);
      if (s.length() > JobSchema.MAX_JSON) {
        throw new IllegalArgumentException("the request is too large: " + s.length() + " chars");
      }
      return s;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot write " + value + " as JSON: " + e, e);
    }
  }

  private static <T> T read(String text, TypeReference<T> type) {
    try {
      return JSON.readValue(text, type);
    } catch (JsonProcessingException e) {
      throw new JobStoreException("a stored job has malformed JSON: " + e.getMessage(), e);
    }
  }
}
