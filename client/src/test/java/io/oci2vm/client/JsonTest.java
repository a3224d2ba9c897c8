package io.oci2vm.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void job_readsTheDaemonsShape_ignoringUnknownFields() throws Exception {
    String body =
        "{\"id\":\"j1\",\"state\":\"SUCCEEDED\",\"future\":{\"x\":1},"
            + "\"request\":{\"image\":\"a:1\",\"formats\":[\"qcow2\"],\"slim\":true,\"keep\":[],"
            + "\"kernelImage\":null,\"boot\":\"hybrid\",\"diskSize\":null,\"platform\":\"linux/amd64\","
            + "\"callbackUrl\":null,\"new\":2},"
            + "\"trigger\":\"api\",\"imageDigest\":\"sha256:aa\",\"sharedWith\":null,"
            + "\"created\":\"2025-01-02T03:04:05.123Z\",\"updated\":\"2025-01-02T03:04:06Z\","
            + "\"attempts\":1,\"cancelRequested\":false,"
            + "\"artifacts\":[{\"name\":\"a.qcow2\",\"format\":\"qcow2\",\"size\":42,"
            + "\"sha256\":\"sha256:bb\",\"url\":\"http://h:1/v1/conversions/j1/artifacts/a.qcow2\"}]}";
    Job j = Json.job(Json.MAPPER.readTree(body));
    assertEquals("j1", j.id());
    assertEquals(JobState.SUCCEEDED, j.state());
    assertTrue(j.isTerminal());
    assertEquals(List.of("qcow2"), j.request().formats());
    assertEquals(Boolean.TRUE, j.request().slim());
    assertEquals("hybrid", j.request().boot());
    assertNull(j.request().diskSize());
    assertEquals(Instant.parse("2025-01-02T03:04:05.123Z"), j.created());
    assertEquals(
        new Artifact(
            "a.qcow2",
            "qcow2",
            42,
            "sha256:bb",
            URI.create("http://h:1/v1/conversions/j1/artifacts/a.qcow2")),
        j.artifact("a.qcow2").orElseThrow());
    assertNull(j.error());
  }

  @Test
  void body_sendsOnlyWhatIsSet() {
    String minimal =
        new String(Json.body(ConversionRequest.builder("a:1").build()), StandardCharsets.UTF_8);
    assertEquals("{\"image\":\"a:1\"}", minimal);
    String full =
        new String(
            Json.body(
                ConversionRequest.builder("a:1")
                    .formats("raw", "vdi")
                    .slim(false)
                    .keep("/etc/**")
                    .diskSize("2G")
                    .build()),
            StandardCharsets.UTF_8);
    assertEquals(
        "{\"image\":\"a:1\",\"formats\":[\"raw\",\"vdi\"],\"slim\":false,\"keep\":[\"/etc/**\"],"
            + "\"diskSize\":\"2G\"}",
        full);
  }

  @Test
  void error_readsTheErrorObject_orNull() {
    ErrorInfo e =
        Json.error(
            "{\"error\":{\"code\":\"QUEUE_FULL\",\"message\":\"later\"}}"
                .getBytes(StandardCharsets.UTF_8));
    assertEquals(new ErrorInfo("QUEUE_FULL", "later"), e);
    assertNull(Json.error("<html>".getBytes(StandardCharsets.UTF_8)));
    assertNull(Json.error(new byte[0]));
  }

  @Test
  void fail_mapsStatusFamiliesToExceptionTypes() {
    byte[] body = "{\"error\":{\"code\":\"NOT_FOUND\",\"message\":\"no job x\"}}".getBytes();
    Oci2vmClientException e = Transport.fail("GET /v1/conversions/x", 404, body, 1);
    assertTrue(e instanceof Oci2vmClientErrorException);
    assertEquals(404, e.status());
    assertEquals("NOT_FOUND", e.code());
    assertEquals("GET /v1/conversions/x: HTTP 404 NOT_FOUND: no job x", e.getMessage());
    Oci2vmClientException s = Transport.fail("POST x", 503, new byte[0], 3);
    assertTrue(s instanceof Oci2vmServerErrorException);
    assertNull(s.code());
    assertEquals(3, s.attempts());
    assertTrue(s.getMessage().endsWith("(after 3 attempts)"), s.getMessage());
  }

  @Test
  void digestHeader_sha256InBase64_toPrefixedHex() {
    assertEquals(
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        Download.digestHeader("sha-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="));
    assertEquals(
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        Download.digestHeader("md5=x, SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="));
    assertNull(Download.digestHeader("md5=abc"));
    assertNull(Download.digestHeader(null));
  }

  @Test
  void values_validateOnConstruction() {
    assertThrows(NullPointerException.class, () -> ConversionRequest.builder(null));
    assertThrows(IllegalArgumentException.class, () -> JobQuery.all().limit(0));
    assertThrows(IllegalArgumentException.class, () -> JobQuery.all().limit(501));
    JobQuery q = JobQuery.all().states(JobState.FAILED).image("nginx").limit(5).after("c");
    assertEquals(java.util.Set.of(JobState.FAILED), q.states());
    assertEquals("c", q.after());
    assertFalse(JobState.RUNNING.terminal());
    assertTrue(JobState.CANCELLED.terminal());
  }
}
