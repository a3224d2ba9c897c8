package io.oci2vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ImageReferenceTest {
  private static final String HEX = "a".repeat(64);

  @Test
  void parse_shortName_isDockerHubLibraryLatest() {
    ImageReference r = ImageReference.parse("nginx");
    assertEquals("docker.io", r.registry());
    assertEquals("library/nginx", r.repository());
    assertEquals("latest", r.tag());
    assertNull(r.digest());
    assertEquals("docker.io/library/nginx:latest", r.toString());
  }

  @Test
  void parse_userRepoWithTag_staysOnDockerHub() {
    ImageReference r = ImageReference.parse("bitnami/redis:7.2");
    assertEquals("docker.io", r.registry());
    assertEquals("bitnami/redis", r.repository());
    assertEquals("7.2", r.tag());
  }

  @Test
  void parse_registryWithPortAndDigest_keepsBoth() {
    ImageReference r = ImageReference.parse("127.0.0.1:5000/team/app:v1@sha256:" + HEX);
    assertEquals("127.0.0.1:5000", r.registry());
    assertEquals("team/app", r.repository());
    assertEquals("v1", r.tag());
    assertEquals("sha256:" + HEX, r.digest().toString());
    assertEquals("sha256:" + HEX, r.qualifier());
    assertTrue(r.isLoopbackRegistry());
  }

  @Test
  void parse_digestOnly_hasNoTag() {
    ImageReference r = ImageReference.parse("ghcr.io/org/app@sha256:" + HEX);
    assertNull(r.tag());
    assertFalse(r.isLoopbackRegistry());
  }

  @Test
  void parse_localhostAndHubAliases_normalise() {
    assertEquals("localhost", ImageReference.parse("localhost/app").registry());
    assertEquals(
        "docker.io/library/alpine:3", ImageReference.parse("index.docker.io/alpine:3").toString());
    assertTrue(ImageReference.parse("localhost:5000/app").isLoopbackRegistry());
    assertTrue(ImageReference.parse("[::1]:5000/app").isLoopbackRegistry());
  }

  @Test
  void parse_malformed_isBadReference() {
    for (String bad :
        new String[] {
          "", "UPPER/case", "app:bad tag", "app@sha256:xyz", "app@md5:" + HEX, "a//b"
        }) {
      Oci2vmException e = assertThrows(Oci2vmException.class, () -> ImageReference.parse(bad), bad);
      assertEquals(ErrorCode.BAD_REFERENCE, e.code(), bad);
    }
  }
}
