package io.oci2vm.client;

/** A job did not finish within the time {@link Oci2vmClient#waitFor} was given. Status 0. */
public class Oci2vmTimeoutException extends Oci2vmClientException {
  private static final long serialVersionUID = 1L;

  /** An exception saying what did not finish in time. */
  public Oci2vmTimeoutException(String message) {
    super(message, 0, null, 1, null);
  }
}
