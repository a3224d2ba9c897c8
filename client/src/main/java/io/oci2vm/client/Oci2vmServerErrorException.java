package io.oci2vm.client;

/** A 5xx answer: the daemon failed or is shutting down (503, retried before this is thrown). */
public class Oci2vmServerErrorException extends Oci2vmClientException {
  private static final long serialVersionUID = 1L;

  /** An exception for an answer with {@code status} and the daemon's error {@code code}. */
  public Oci2vmServerErrorException(String message, int status, String code, int attempts) {
    super(message, status, code, attempts, null);
  }
}
