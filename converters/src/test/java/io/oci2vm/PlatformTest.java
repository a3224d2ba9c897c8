package io.oci2vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PlatformTest {
  @Test
  void matches_variantOptionalOnEitherSide() {
    Platform arm64 = Platform.parse("linux/arm64");
    assertTrue(arm64.matches(Platform.parse("linux/arm64/v8")));
    assertTrue(Platform.parse("linux/arm64/v8").matches(arm64));
    assertFalse(Platform.parse("linux/arm/v7").matches(Platform.parse("linux/arm/v6")));
    assertFalse(Platform.LINUX_AMD64.matches(arm64));
  }

  @Test
  void parse_malformed_isBadOption() {
    assertEquals(
        ErrorCode.BAD_OPTION,
        assertThrows(Oci2vmException.class, () -> Platform.parse("linux")).code());
    assertEquals(
        ErrorCode.BAD_OPTION,
        assertThrows(Oci2vmException.class, () -> Platform.parse("linux//")).code());
  }
}
