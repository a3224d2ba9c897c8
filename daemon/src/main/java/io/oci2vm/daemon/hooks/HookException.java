package io.oci2vm.daemon.hooks;

/**
 * A webhook delivery that is refused, with the HTTP status the daemon should answer and an error
 * code for the response body. Messages never contain a secret or a presented credential.
 */
public final class HookException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The presented credential is missing or wrong, or the source has no secret configured. */
  public static final String UNAUTHORIZED = "UNAUTHORIZED";

  /** The body is not JSON, or lacks a field the source's format requires. */
  public static final String BAD_WEBHOOK = "BAD_WEBHOOK";

  /** The body is larger than the configured limit. */
  public static final String PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE";

  /** The URL names no source this daemon knows. */
  public static final String UNKNOWN_SOURCE = "UNKNOWN_SOURCE";

  private final int status;
  private final String code;

  private HookException(int status, String code, String message) {
    super(message);
    this.status = status;
    this.code = code;
  }

  static HookException unauthorized(String message) {
    return new HookException(401, UNAUTHORIZED, message);
  }

  static HookException badWebhook(String message) {
    return new HookException(400, BAD_WEBHOOK, message);
  }

  static HookException tooLarge(int size, int max) {
    return new HookException(
        413,
        PAYLOAD_TOO_LARGE,
        "webhook body is " + size + " bytes, more than the limit of " + max + " bytes");
  }

  static HookException unknownSource(String segment) {
    return new HookException(
        404,
        UNKNOWN_SOURCE,
        "unknown webhook source '"
            + printable(segment)
            + "'; use one of distribution, dockerhub, harbor, github, quay");
  }

  /** The HTTP status to answer with: 400, 401, 404 or 413. */
  public int status() {
    return status;
  }

  /** The error code: {@link #UNAUTHORIZED}, {@link #BAD_WEBHOOK}, and so on. */
  public String code() {
    return code;
  }

  /** Keeps what a caller sent short and free of control characters before it goes in a message. */
  static String printable(String s) {
    if (s == null) {
      return "null";
    }
    String cut = s.length() > 64 ? s.substring(0, 64) + "..." : s;
    return cut.replaceAll("\\p{Cntrl}", "?");
  }
}
