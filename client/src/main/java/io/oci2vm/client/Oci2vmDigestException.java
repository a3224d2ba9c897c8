package io.oci2vm.client;

/**
 * A download's content does not match its digest (the job's listing or the daemon's {@code Digest}
 * header). The partial file was deleted; downloading again starts over. Status 0.
 */
public class Oci2vmDigestException extends Oci2vmClientException {
  private static final long serialVersionUID = 1L;

  private final String expected;
  private final String actual;

  /** An exception for content whose digest is {@code actual} instead of {@code expected}. */
  public Oci2vmDigestException(String message, String expected, String actual) {
    super(message, 0, null, 1, null);
    this.expected = expected;
    this.actual = actual;
  }

  /** The digest the content should have, {@code sha256:HEX}. */
  public String expected() {
    return expected;
  }

  /** The digest it had (or the one the daemon claimed), {@code sha256:HEX}. */
  public String actual() {
    return actual;
  }
}
