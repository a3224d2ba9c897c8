package io.oci2vm.daemon.store;

/**
 * The job store's database failed (it cannot be opened, its schema is newer than this daemon, or a
 * statement failed). Wraps the driver's exception so no JDBC type leaks into callers' signatures.
 */
public class JobStoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** A failure with a message that says what to do next and its cause. */
  public JobStoreException(String message, Throwable cause) {
    super(message, cause);
  }

  /** A failure with a message that says what to do next. */
  public JobStoreException(String message) {
    super(message);
  }
}
