package io.oci2vm.client;

/**
 * No HTTP answer: the connection was refused or reset, or the daemon did not answer within the
 * request timeout. {@link #status()} is 0; the cause is the I/O exception of the last attempt.
 */
public class Oci2vmConnectionException extends Oci2vmClientException {
  private static final long serialVersionUID = 1L;

  /** An exception for a call that got no answer after {@code attempts} tries. */
  public Oci2vmConnectionException(String message, int attempts, Throwable cause) {
    super(message, 0, null, attempts, cause);
  }
}
