package io.oci2vm;

import java.util.Objects;

/** An OS/architecture pair such as {@code linux/amd64} or {@code linux/arm64/v8}. */
public record Platform(String os, String architecture, String variant) {
  /** The default: what oci2vm's kernels and QEMU setups target. */
  public static final Platform LINUX_AMD64 = new Platform("linux", "amd64", null);

  /** Validates the parts. */
  public Platform {
    Objects.requireNonNull(os, "os was not specified");
    Objects.requireNonNull(architecture, "architecture was not specified");
    if (os.isEmpty() || architecture.isEmpty()) {
      throw new Oci2vmException(ErrorCode.BAD_OPTION, "platform needs an os and an architecture");
    }
    if (variant != null && variant.isEmpty()) {
      variant = null;
    }
  }

  /** Parses {@code os/arch[/variant]}. */
  public static Platform parse(String s) {
    String[] parts = s == null ? new String[0] : s.split("/", -1);
    if (parts.length < 2 || parts.length > 3 || parts[0].isEmpty() || parts[1].isEmpty()) {
      throw new Oci2vmException(
          ErrorCode.BAD_OPTION, "platform '" + s + "' is not os/arch[/variant], e.g. linux/amd64");
    }
    return new Platform(parts[0], parts[1], parts.length == 3 ? parts[2] : null);
  }

  /**
   * Whether an index entry for {@code candidate} serves this platform. A missing variant on either
   * side matches any variant, as container runtimes do for amd64 and arm64.
   */
  public boolean matches(Platform candidate) {
    return os.equals(candidate.os)
        && architecture.equals(candidate.architecture)
        && (variant == null || candidate.variant == null || variant.equals(candidate.variant));
  }

  @Override
  public String toString() {
    return os + "/" + architecture + (variant == null ? "" : "/" + variant);
  }
}
