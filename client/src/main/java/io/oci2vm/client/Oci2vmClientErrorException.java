package io.oci2vm.client;

/**
 * A 4xx answer: the request was wrong (bad option, unknown job, bad token, queue full after the
 * retries). Never retried, but for 429.
 */
public class Oci2vmClientErrorException extends Oci2vmClientException {
  private static final long serialVersionUID = 1L;

  /** An exception for an answer with {@code status} and the daemon's error {@code code}. */
  public Oci2vmClientErrorException(String message, int status, String code, int attempts) {
    super(message, status, code, attempts, null);
  }
}
