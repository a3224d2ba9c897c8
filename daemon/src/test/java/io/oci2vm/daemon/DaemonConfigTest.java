package io.oci2vm.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DaemonConfigTest {
  @Test
  void defaults_workWithNoFile() {
    DaemonConfig c = DaemonConfig.fromJson(new JsonObject());
    assertEquals("127.0.0.1", c.host());
    assertEquals(8780, c.port());
    assertTrue(
        c.dataDir().endsWith(Path.of(".local/share/oci2vm"))
            || System.getenv("XDG_DATA_HOME") != null);
    assertTrue(c.tokens().isEmpty(), "a token is generated at start");
  }

  @Test
  void fileThenEnvironment_environmentWins() {
    DaemonConfig c =
        DaemonConfig.fromJson(
                new JsonObject()
                    .put("port", 9000)
                    .put("workers", 3)
                    .put("tokens", new JsonArray().add("from-file-0123456789")))
            .withEnvironment(
                Map.of(
                    "OCI2VM_LISTEN", "[::1]:9100",
                    "OCI2VM_TOKENS", "env-token-0123456789ab, second-token-0123456789",
                    "OCI2VM_DATA_DIR", "/srv/oci2vm"));
    assertEquals("::1", c.host());
    assertEquals(9100, c.port());
    assertEquals(3, c.workers());
    assertEquals(List.of("env-token-0123456789ab", "second-token-0123456789"), c.tokens());
    assertEquals(Path.of("/srv/oci2vm"), c.dataDir());
    assertTrue(!c.toJson().encode().contains("token"), "secrets stay out of toJson");
  }

  @Test
  void badValues_areRefusedWithTheReason() {
    assertThrows(
        IllegalArgumentException.class,
        () -> DaemonConfig.fromJson(new JsonObject().put("port", 70000)));
    assertThrows(
        IllegalArgumentException.class,
        () -> DaemonConfig.fromJson(new JsonObject().put("workers", 0)));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                DaemonConfig.fromJson(
                    new JsonObject().put("tokens", new JsonArray().add("short"))));
    assertTrue(e.getMessage().contains("16 characters"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> new DaemonConfig().withEnvironment(Map.of("OCI2VM_LISTEN", "nocolon")));
  }
}
