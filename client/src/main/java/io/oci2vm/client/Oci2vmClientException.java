package io.oci2vm.client;

/**
 * Why a call to the daemon failed. Subclasses say which kind of failure: {@link
 * Oci2vmClientErrorException} (4xx), {@link Oci2vmServerErrorException} (5xx), {@link
 * Oci2vmConnectionException} (no HTTP answer), {@link Oci2vmTimeoutException} and {@link
 * Oci2vmDigestException}.
 */
public class Oci2vmClientException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String code;
  private final int attempts;

  /**
   * An exception for a failed call.
   *
   * @param message what went wrong
   * @param status the HTTP status, or 0 when there was no HTTP answer
   * @param code the daemon's error code (e.g. NOT_FOUND), or null
   * @param attempts how many times the call was sent
   * @param cause the underlying exception, or null
   */
  public Oci2vmClientException(
      String message, int status, String code, int attempts, Throwable cause) {
    super(message, cause);
    this.status = status;
    this.code = code;
    this.attempts = attempts;
  }

  /** The HTTP status the daemon answered, or 0 if it gave no HTTP answer (I/O, digest, timeout). */
  public int status() {
    return status;
  }

  /**
   * The daemon's error code, e.g. {@code NOT_FOUND} or {@code QUEUE_FULL}; null if it sent none.
   */
  public String code() {
    return code;
  }

  /** How many times the call was sent before giving up (1 when it was not retried). */
  public int attempts() {
    return attempts;
  }
}
